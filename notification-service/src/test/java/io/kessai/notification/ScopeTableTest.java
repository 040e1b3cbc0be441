package io.kessai.notification;

import static io.kessai.notification.NotificationTestSupport.tokenOf;
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
 * The scope table of docs/security.md, walked at notification-service: every internal endpoint, called by every
 * client with the token auth-service issues it, by ops and by a customer and a merchant. Outside an endpoint's row
 * the answer is 403 {@code forbidden}; inside, authorization passes (the event is incomplete, so it is refused as
 * invalid and nothing is sent). Every internal operation in the OpenAPI document must have a row.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class ScopeTableTest {

    private static final String INTERNAL = "/v1/internal";
    private static final String OPS_CONSOLE = "ops-console";
    private static final Set<String> SERVICES = Set.of(Scopes.AUTH_SERVICE, Scopes.WALLET_SERVICE,
            Scopes.PAYMENT_SERVICE, Scopes.NOTIFICATION_SERVICE);

    record Row(String method, String path, Object body, Set<String> allowed) {
    }

    private static List<Row> table() {
        return List.of(
                new Row("POST", "/events", Map.of("eventId", "walk-" + UUID.randomUUID()),
                        Set.of(Scopes.AUTH_SERVICE, Scopes.PAYMENT_SERVICE)),
                new Row("POST", "/events/batch",
                        Map.of("events", List.of(Map.of("eventId", "walk-" + UUID.randomUUID()))),
                        Set.of(Scopes.AUTH_SERVICE, Scopes.PAYMENT_SERVICE)),
                new Row("GET", "/whoami", null, SERVICES));
    }

    @Test
    void everyInternalEndpointAnswersExactlyTheClientsOfItsRow() {
        Map<String, String> clients = new LinkedHashMap<>();
        new TreeSet<>(SERVICES).forEach(service -> clients.put(service, tokenOf(service)));
        clients.put(OPS_CONSOLE, TestIssuer.tokens().token(OPS_CONSOLE, "ops"));
        clients.put("a customer", TestIssuer.tokens().token("usr-" + UUID.randomUUID(), "customer"));
        clients.put("a merchant", TestIssuer.tokens().token("m-" + UUID.randomUUID(), "merchant"));
        List<Executable> checks = new ArrayList<>();
        for (Row row : table()) {
            clients.forEach((client, token) -> {
                RequestSpecification request = given().auth().oauth2(token);
                if (row.body() != null) {
                    request.contentType(ContentType.JSON).body(row.body());
                }
                Response response = request.request(row.method(), INTERNAL + row.path());
                int status = response.statusCode();
                String seen = row.method() + " " + row.path() + " as " + client + ": " + status + " "
                        + response.asString();
                ScopeTable.expect(checks, row.allowed().contains(client), response, seen);
            });
        }
        assertAll(checks);
    }

    @Test
    void theTableHasARowForEveryInternalOperation() {
        Set<String> documented = ScopeTable.documentedOperations(INTERNAL);
        Set<String> walked = new TreeSet<>();
        table().forEach(row -> walked.add(row.method() + " " + row.path()));
        assertEquals(documented, walked, "a new internal endpoint needs a row here and in docs/security.md");
    }
}
