package io.kessai.wallet.security;

import static io.kessai.wallet.WalletApi.AUTH_SERVICE;
import static io.kessai.wallet.WalletApi.OPS_CONSOLE;
import static io.kessai.wallet.WalletApi.PAYMENT_SERVICE;
import static io.kessai.wallet.WalletApi.opsToken;
import static io.kessai.wallet.WalletApi.tokenOf;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.ScopeTable;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The scope table of docs/security.md ("Service clients and their scopes"), walked: every internal endpoint of
 * wallet-service, called by every client with the token auth-service issues it (its configured scopes, see
 * {@link Scopes#grantedByDefault}), and by a customer and a merchant. A client outside an endpoint's row gets 403
 * {@code forbidden}; one inside gets past authorization (the calls name ids that do not exist or owners that are
 * new, so they change nothing another test sees). Every internal operation in the OpenAPI document must have a row.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ScopeTableTest {

    private static final String WALLET_SERVICE = Scopes.WALLET_SERVICE;
    private static final String NOTIFICATION_SERVICE = Scopes.NOTIFICATION_SERVICE;
    private static final String CUSTOMER = "a customer";
    private static final String MERCHANT = "a merchant";
    private static final Set<String> SERVICES = Set.of(AUTH_SERVICE, WALLET_SERVICE, PAYMENT_SERVICE,
            NOTIFICATION_SERVICE);

    /** One row of the table: an operation as OpenAPI names it, a call of it, and who may make that call. */
    record Row(String method, String template, String path, Object body, Set<String> allowed) {

        String operation() {
            return method + " " + template;
        }
    }

    private static final String INTERNAL = "/v1/internal";

    private static List<Row> table() {
        String missing = UUID.randomUUID().toString();
        String user = unique("walk-user");
        Map<String, Object> reason = Map.of("reason", "scope table walk");
        Map<String, Object> leg = Map.of("from", UUID.randomUUID(), "to", UUID.randomUUID(), "amount", 1);
        Set<String> payment = Set.of(PAYMENT_SERVICE);
        Set<String> paymentAndOps = Set.of(PAYMENT_SERVICE, OPS_CONSOLE);
        return List.of(
                new Row("POST", "/accounts/customers", "/accounts/customers", Map.of("userId", user),
                        Set.of(AUTH_SERVICE)),
                new Row("POST", "/accounts/merchants", "/accounts/merchants", Map.of("merchantId", unique("walk-m")),
                        payment),
                new Row("GET", "/accounts/customers/{userId}", "/accounts/customers/" + user, null, paymentAndOps),
                new Row("GET", "/accounts/merchants/{merchantId}", "/accounts/merchants/" + user, null,
                        paymentAndOps),
                new Row("GET", "/accounts/system/{code}", "/accounts/system/fees", null, paymentAndOps),
                new Row("GET", "/accounts/{id}", "/accounts/" + missing, null, paymentAndOps),
                new Row("GET", "/accounts/{id}/entries", "/accounts/" + missing + "/entries", null, paymentAndOps),
                new Row("POST", "/accounts/{id}/freeze", "/accounts/" + missing + "/freeze", reason,
                        Set.of(OPS_CONSOLE)),
                new Row("POST", "/accounts/{id}/unfreeze", "/accounts/" + missing + "/unfreeze", reason,
                        Set.of(OPS_CONSOLE)),
                new Row("POST", "/accounts/{id}/close", "/accounts/" + missing + "/close", reason,
                        Set.of(OPS_CONSOLE)),
                new Row("POST", "/accounts/customers/{userId}/freeze", "/accounts/customers/" + user + "/freeze",
                        reason, Set.of(AUTH_SERVICE, OPS_CONSOLE)),
                new Row("POST", "/accounts/customers/{userId}/unfreeze",
                        "/accounts/customers/" + user + "/unfreeze", reason, Set.of(AUTH_SERVICE, OPS_CONSOLE)),
                new Row("POST", "/accounts/merchants/{merchantId}/freeze",
                        "/accounts/merchants/" + user + "/freeze", reason, paymentAndOps),
                new Row("POST", "/accounts/merchants/{merchantId}/unfreeze",
                        "/accounts/merchants/" + user + "/unfreeze", reason, paymentAndOps),
                new Row("POST", "/transfers", "/transfers", Map.of("kind", "topup", "legs", List.of(leg)), payment),
                new Row("POST", "/transfers/batch", "/transfers/batch", Map.of("transfers", List.of(Map.of(
                        "idempotencyKey", missing, "transfer", Map.of("kind", "topup", "legs", List.of(leg))))),
                        payment),
                new Row("GET", "/transfers", "/transfers?idempotencyKey=" + missing, null, paymentAndOps),
                new Row("GET", "/transfers/{id}", "/transfers/" + missing, null, paymentAndOps),
                new Row("POST", "/transfers/{id}/reversals", "/transfers/" + missing + "/reversals", Map.of(),
                        payment),
                new Row("POST", "/holds", "/holds", Map.of("accountId", missing, "amount", 1), payment),
                new Row("GET", "/holds", "/holds?idempotencyKey=" + missing, null, paymentAndOps),
                new Row("GET", "/holds/{id}", "/holds/" + missing, null, paymentAndOps),
                new Row("POST", "/holds/{id}/capture", "/holds/" + missing + "/capture",
                        Map.of("legs", List.of(Map.of("to", missing, "amount", 1))), payment),
                new Row("POST", "/holds/{id}/void", "/holds/" + missing + "/void", null, payment),
                new Row("GET", "/whoami", "/whoami", null, SERVICES));
    }

    private static Map<String, String> clients() {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String service : new TreeSet<>(SERVICES)) {
            tokens.put(service, tokenOf(service));
        }
        tokens.put(OPS_CONSOLE, opsToken());
        tokens.put(CUSTOMER, TestIssuer.tokens().token("usr-" + UUID.randomUUID(), "customer"));
        tokens.put(MERCHANT, TestIssuer.tokens().token("m-" + UUID.randomUUID(), "merchant"));
        return tokens;
    }

    @Test
    void everyInternalEndpointAnswersExactlyTheClientsOfItsRow() {
        Map<String, String> clients = clients();
        List<Executable> checks = new ArrayList<>();
        for (Row row : table()) {
            clients.forEach((client, token) -> {
                Response response = call(row, token);
                int status = response.statusCode();
                String seen = row.operation() + " as " + client + ": " + status + " " + response.asString();
                ScopeTable.expect(checks, row.allowed().contains(client), response, seen);
            });
        }
        assertAll(checks);
    }

    @Test
    void theTableHasARowForEveryInternalOperation() {
        Set<String> documented = ScopeTable.documentedOperations(INTERNAL);
        Set<String> walked = new TreeSet<>();
        table().forEach(row -> walked.add(row.operation()));
        assertEquals(documented, walked, "a new internal endpoint needs a row here and in docs/security.md");
    }

    private static Response call(Row row, String token) {
        RequestSpecification request = given().auth().oauth2(token).header("Idempotency-Key",
                UUID.randomUUID().toString());
        if (row.body() != null) {
            request.contentType(ContentType.JSON).body(row.body());
        }
        return request.request(row.method(), INTERNAL + row.path());
    }
}
