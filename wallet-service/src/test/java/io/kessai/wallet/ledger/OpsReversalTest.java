package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static io.kessai.wallet.WalletApi.asOps;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Ops moves money only by an operator's step-up (issue 12): a reversal of any caller's transfer, to make a victim
 * whole, needs a person with role ops who passed a second factor in the last 5 minutes, names its ticket, and is
 * recorded in ops_action with the reversal.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class OpsReversalTest {

    private static final String TICKET = "SEC-1042: account taken over, the payment to the shop reversed";

    String victim;
    String shop;
    String payment;
    String operator;

    @BeforeEach
    void aPaymentATakenOverAccountMade() {
        victim = openCustomer(unique("victim"));
        shop = openMerchant(unique("shop"));
        topUp(victim, 10_000);
        payment = move("payment", victim, shop, 6_000).statusCode(201).extract().path("id");
        operator = UUID.randomUUID().toString();
    }

    private static String operatorToken(String userId, String acr, Instant authTime, String... groups) {
        return TestIssuer.tokens().userToken(userId, acr, authTime, groups);
    }

    private String steppedUp() {
        return operatorToken(operator, "step-up", Instant.now().minusSeconds(30), "customer", "ops");
    }

    private ValidatableResponse reverse(String token, String key, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/ops/transfers/" + payment + "/reversals").then();
    }

    @Test
    void anOperatorWhoJustSteppedUpReversesAnotherCallersPaymentAndItIsRecorded() {
        String key = UUID.randomUUID().toString();
        String reversal = reverse(steppedUp(), key, Map.of("amount", 6_000, "reason", TICKET)).statusCode(201)
                .body("kind", equalTo("reversal")).body("reverses", equalTo(payment))
                .body("metadata.reason", equalTo(TICKET)).body("metadata.operator", equalTo(operator))
                .extract().path("id");
        assertEquals(10_000, balance(victim));
        assertEquals(0, balance(shop));
        assertEquals(1, count("SELECT count(*) FROM ops_action WHERE action = 'reversal' AND operator = '" + operator
                + "' AND original_id = '" + payment + "' AND transfer_id = '" + reversal + "' AND amount = 6000 "
                + "AND reason = '" + TICKET.replace("'", "''") + "'"));
        assertEquals("ops:" + operator, queryText("SELECT caller FROM transfer WHERE id = '" + reversal + "'"));

        // A retry answers the first reversal; nothing moves or is recorded twice.
        reverse(steppedUp(), key, Map.of("amount", 6_000, "reason", TICKET)).statusCode(201)
                .header("Idempotent-Replayed", "true").body("id", equalTo(reversal));
        assertEquals(10_000, balance(victim));
        assertEquals(1, count("SELECT count(*) FROM ops_action WHERE original_id = '" + payment + "'"));
        expectProblem(reverse(steppedUp(), UUID.randomUUID().toString(), Map.of("reason", TICKET)), 422,
                "reversal-exceeds-original");
    }

    @Test
    void withoutAFreshStepUpOfAnOperatorNothingMoves() {
        Map<String, Object> body = Map.of("amount", 6_000, "reason", TICKET);
        // The ops console's client token: role ops, but no person and no step-up.
        expectProblem(asOps().header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                .post("/v1/ops/transfers/" + payment + "/reversals").then(), 403, "step-up-required");
        // An operator's ordinary sign-in, and a step-up that is 6 minutes old.
        expectProblem(reverse(operatorToken(operator, "aal2", Instant.now(), "customer", "ops"),
                UUID.randomUUID().toString(), body), 403, "step-up-required");
        expectProblem(reverse(operatorToken(operator, "step-up", Instant.now().minusSeconds(360), "customer", "ops"),
                UUID.randomUUID().toString(), body), 403, "step-up-required");
        // A customer who stepped up is no operator; a service with the reverse scope is no person.
        reverse(operatorToken(operator, "step-up", Instant.now(), "customer"), UUID.randomUUID().toString(), body)
                .statusCode(403);
        given().auth().oauth2(TestIssuer.tokens().serviceToken("payment-service",
                java.util.List.of("wallet:transfers.reverse"))).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                .post("/v1/ops/transfers/" + payment + "/reversals").then().statusCode(403);
        given().contentType(ContentType.JSON).header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                .post("/v1/ops/transfers/" + payment + "/reversals").then().statusCode(401);

        assertEquals(4_000, balance(victim));
        assertEquals(6_000, balance(shop));
        assertEquals(0, count("SELECT count(*) FROM ops_action WHERE original_id = '" + payment + "'"));
    }

    @Test
    void aReversalWithoutATicketOrOfNothingIsRefused() {
        expectProblem(reverse(steppedUp(), UUID.randomUUID().toString(), Map.of("amount", 6_000)), 400,
                "validation-failed");
        expectProblem(reverse(steppedUp(), UUID.randomUUID().toString(), Map.of("amount", 6_000, "reason",
                "line\nbreak")), 400, "validation-failed");
        expectProblem(reverse(steppedUp(), UUID.randomUUID().toString(), Map.of("amount", 6_001, "reason", TICKET)),
                422, "reversal-exceeds-original");
        expectProblem(given().auth().oauth2(steppedUp()).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of("reason", TICKET))
                .post("/v1/ops/transfers/" + UUID.randomUUID() + "/reversals").then(), 404, "transfer-not-found");
        assertEquals(4_000, balance(victim));
        assertEquals(0, count("SELECT count(*) FROM ops_action WHERE original_id = '" + payment + "'"));
        // The original is intact for the service that posted it.
        asService().get("/v1/internal/transfers/" + payment).then().statusCode(200).body("status",
                equalTo("posted"));
    }
}
