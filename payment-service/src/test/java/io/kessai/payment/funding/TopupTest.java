package io.kessai.payment.funding;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.testing.CapturedLog;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * Cards and top-ups end to end within payment-service, against real PostgreSQL, the sandbox gateway (its own tables)
 * and wallet-service as WireMock over real HTTP: every sandbox card's outcome, unknown outcomes reconciled by asking
 * the gateway, retries, the ledger away, step-ups (adding a card, a first top-up from a new device, the card's
 * challenge), who may see what, bad input, and that no card number or CVC ends up in a log, a table or an answer.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
public class TopupTest {

    public static final String APPROVES = "4000000000000101";
    static final String INSUFFICIENT = "4000000000000515";
    static final String DECLINED = "4000000000000523";
    static final String EXPIRED = "4000000000000531";
    static final String CHALLENGE = "4000000000000309";
    static final String TIMEOUT_APPROVED = "4000000000000903";
    static final String TIMEOUT_DECLINED = "4000000000000911";
    static final String LATE = "4000000000000705";
    static final String CVC = "737";

    @Inject
    TopupReconciler reconciler;

    @Inject
    HeldTopups held;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    /** A customer on a device bound a month ago, with a wallet account of their own. */
    public record Customer(String id, String device, UUID account) {

        public String token() {
            return TestIssuer.tokens().customerToken(id, device, Instant.now().minus(Duration.ofDays(30)), false);
        }

        String stepUp() {
            return TestIssuer.tokens().customerToken(id, device, Instant.now().minus(Duration.ofDays(30)), true);
        }
    }

    static Customer customer() {
        return customer("cust-" + UUID.randomUUID(), "dev-" + UUID.randomUUID());
    }

    /** {@code id} on {@code device}, with a wallet account of their own at the stub. */
    public static Customer customer(String id, String device) {
        UUID account = UUID.randomUUID();
        FakeWallet.server().stubFor(get(urlPathEqualTo("/v1/internal/accounts/customers/" + id)).atPriority(5)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(
                        "[{\"id\":\"" + account + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        return new Customer(id, device, account);
    }

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    static Map<String, Object> card(String number) {
        return Map.of("number", number, "expiryMonth", 12, "expiryYear", 2031, "cvc", CVC);
    }

    public static String register(Customer customer, String number) {
        return as(customer.stepUp()).body(card(number)).post("/v1/cards").then().statusCode(201)
                .body("last4", Matchers.equalTo(number.substring(12))).body("brand", Matchers.equalTo("visa"))
                .body("status", Matchers.equalTo("ACTIVE")).body("expiryMonth", Matchers.equalTo(12))
                .body("expiryYear", Matchers.equalTo(2031)).body("$", Matchers.not(Matchers.hasKey("number")))
                .extract().path("id");
    }

    static Map<String, Object> topup(String cardId, long amount) {
        return Map.of("cardId", cardId, "amount", Map.of("amount", amount, "currency", "JPY"));
    }

    public static ValidatableResponse topUp(String token, String key, String cardId, long amount) {
        return as(token).header("Idempotency-Key", key).body(topup(cardId, amount)).post("/v1/topups").then();
    }

    public static List<LoggedRequest> postedUnder(String key) {
        return FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))
                .withHeader("Idempotency-Key", equalTo(key)));
    }

    /** The one wallet transfer a completed top-up posted: a topup from funding clearing to the customer. */
    static void creditedOnce(Customer customer, String topupId, long amount) {
        List<LoggedRequest> posted = postedUnder(topupId);
        assertFalse(posted.isEmpty(), "posted");
        for (LoggedRequest request : posted) {
            JsonObject transfer = new JsonObject(request.getBodyAsString());
            assertEquals("topup", transfer.getString("kind"));
            JsonObject leg = transfer.getJsonArray("legs").getJsonObject(0);
            assertEquals(FakeWallet.FUNDING_CLEARING.toString(), leg.getString("from"));
            assertEquals(customer.account().toString(), leg.getString("to"));
            assertEquals(amount, leg.getLong("amount"));
        }
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM topup WHERE id = '" + topupId + "' AND status = "
                + "'completed' AND transfer_id IS NOT NULL"));
        // The customer hears of it once: one receipt, queued with the completion, whichever copy completed it.
        String eventId = "topup:" + topupId + ":completed";
        Eventually.until("receipt " + eventId + " delivered", Duration.ofSeconds(10), () -> FakeNotificationService
                .accepted().stream().anyMatch(body -> body.contains(eventId)));
        List<JsonObject> receipts = FakeNotificationService.accepted().stream().map(JsonObject::new)
                .filter(event -> eventId.equals(event.getString("eventId"))).toList();
        assertEquals(1, receipts.stream().map(JsonObject::encode).distinct().count(), receipts.toString());
        JsonObject receipt = receipts.get(0);
        assertEquals("topup.completed", receipt.getString("type"));
        assertEquals(customer.id(), receipt.getJsonObject("recipient").getString("userId"));
        assertEquals(new JsonObject().put("topupId", topupId).put("amount", new JsonObject().put("amount", amount)
                .put("currency", "JPY")), receipt.getJsonObject("data"));
    }

    static String status(String topupId) {
        return TestDatabase.queryText("SELECT status FROM topup WHERE id = '" + topupId + "'");
    }

    static void due(String topupId) {
        TestDatabase.execute("UPDATE topup SET next_attempt_at = now() WHERE id = '" + topupId + "'");
    }

    @Test
    void anApprovingCardTopsUpOnceAndARetryAnswersTheSameTopup() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        as(customer.token()).get("/v1/cards").then().statusCode(200).body("id", Matchers.contains(card));
        String key = UUID.randomUUID().toString();
        String id = topUp(customer.token(), key, card, 3000).statusCode(201)
                .header("Location", Matchers.containsString("/v1/topups/"))
                .body("status", Matchers.equalTo("COMPLETED")).body("amount.amount", Matchers.equalTo(3000))
                .body("cardId", Matchers.equalTo(card)).extract().path("topupId");
        creditedOnce(customer, id, 3000);
        assertEquals(1, postedUnder(id).size());
        topUp(customer.token(), key, card, 3000).statusCode(200).header("Idempotent-Replayed", "true")
                .body("topupId", Matchers.equalTo(id)).body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(1, postedUnder(id).size(), "a retry posts nothing again");
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"));
        expectProblem(topUp(customer.token(), key, card, 3001), 422, "idempotency-key-reused");
        as(customer.token()).get("/v1/topups/" + id).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void concurrentRetriesUnderOneKeyChargeAndCreditOnce() throws Exception {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String key = UUID.randomUUID().toString();
        String token = customer.token();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<io.restassured.response.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> as(token).header("Idempotency-Key", key).body(topup(card, 2200))
                        .post("/v1/topups")));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (var answer : answers) {
                io.restassured.response.Response response = answer.get();
                assertFalse(response.statusCode() >= 300, response.asString());
                ids.add(response.path("topupId"));
            }
            assertEquals(1, ids.size(), "one top-up");
            String id = ids.iterator().next();
            assertEquals(1, TestDatabase.count("SELECT count(*) FROM topup WHERE customer_id = '" + customer.id()
                    + "'"));
            assertEquals(1, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"));
            assertEquals(1, postedUnder(id).size(), "credited once");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eachDecliningCardFailsWithItsReasonAndCreditsNothing() {
        Map<String, String> reasons = Map.of(INSUFFICIENT, "insufficient-funds", DECLINED, "card-declined", EXPIRED,
                "expired-card");
        for (Map.Entry<String, String> declining : reasons.entrySet()) {
            Customer customer = customer();
            String card = register(customer, declining.getKey());
            String key = UUID.randomUUID().toString();
            expectProblem(topUp(customer.token(), key, card, 2000), 402, "card-declined")
                    .body("detail", Matchers.containsString(declining.getValue().replace('-', ' ')));
            String id = TestDatabase.queryText("SELECT id FROM topup WHERE customer_id = '" + customer.id() + "'");
            assertEquals("failed", status(id));
            assertEquals(declining.getValue(), TestDatabase.queryText("SELECT failure_code FROM topup WHERE id = '"
                    + id + "'"));
            assertEquals(0, postedUnder(id).size(), "nothing credited");
            as(customer.token()).get("/v1/topups/" + id).then().statusCode(200)
                    .body("status", Matchers.equalTo("FAILED"))
                    .body("failure.code", Matchers.equalTo(declining.getValue()));
            // The same request again answers the same refusal.
            expectProblem(topUp(customer.token(), key, card, 2000), 402, "card-declined");
        }
    }

    @Test
    void aChallengedCardWaitsForTheCustomersStepUpAndTheRetryCompletesIt() {
        Customer customer = customer();
        String card = register(customer, CHALLENGE);
        String key = UUID.randomUUID().toString();
        String location = expectProblem(topUp(customer.token(), key, card, 4000), 403, "step-up-required")
                .header("Location", Matchers.startsWith("/v1/topups/")).extract().header("Location");
        String id = location.substring("/v1/topups/".length());
        assertEquals("challenge", status(id));
        as(customer.token()).get(location).then().statusCode(200).body("status", Matchers.equalTo("HELD"));
        expectProblem(topUp(customer.token(), key, card, 4000), 403, "step-up-required");
        assertEquals(0, postedUnder(id).size());
        topUp(customer.stepUp(), key, card, 4000).statusCode(200).body("status", Matchers.equalTo("COMPLETED"))
                .body("topupId", Matchers.equalTo(id));
        creditedOnce(customer, id, 4000);
    }

    @Test
    void aTimeoutStaysPendingAndTheReconcilerLearnsTheChargeWasApproved() {
        Customer customer = customer();
        String card = register(customer, TIMEOUT_APPROVED);
        String id = topUp(customer.token(), UUID.randomUUID().toString(), card, 5000).statusCode(202)
                .header("Retry-After", "2").header("Location", Matchers.containsString("/v1/topups/"))
                .body("status", Matchers.equalTo("PENDING")).extract().path("topupId");
        assertEquals("charging", status(id));
        assertEquals(0, postedUnder(id).size());
        due(id);
        reconciler.settleDue().await().indefinitely();
        creditedOnce(customer, id, 5000);
        assertEquals(1, postedUnder(id).size());
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"),
                "asked about, not charged again");
    }

    @Test
    void aTimeoutTheGatewayDeclinedIsReconciledToFailedAndGivenBack() {
        Customer customer = customer();
        String card = register(customer, TIMEOUT_DECLINED);
        String id = topUp(customer.token(), UUID.randomUUID().toString(), card, 5000).statusCode(202)
                .extract().path("topupId");
        due(id);
        reconciler.settleDue().await().indefinitely();
        assertEquals("failed", status(id));
        assertEquals(0, postedUnder(id).size());
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM risk_decision WHERE movement_id = '" + id
                + "' AND released"), "its amount given back to the gate");
        as(customer.token()).get("/v1/topups/" + id).then().body("status", Matchers.equalTo("FAILED"))
                .body("failure.code", Matchers.equalTo("card-declined"));
    }

    @Test
    void aLateApprovalIsPendingAtFirstAndCompletedOnALaterQuery() {
        Customer customer = customer();
        String card = register(customer, LATE);
        String id = topUp(customer.token(), UUID.randomUUID().toString(), card, 1500).statusCode(202)
                .body("status", Matchers.equalTo("PENDING")).extract().path("topupId");
        due(id);
        reconciler.settleDue().await().indefinitely();
        assertEquals("charging", status(id), "still pending at the gateway");
        assertEquals(0, postedUnder(id).size());
        due(id);
        reconciler.settleDue().await().indefinitely();
        creditedOnce(customer, id, 1500);
    }

    @Test
    void aLedgerAwayAfterTheChargeIs503AndTheReconcilerCreditsIt() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String key = UUID.randomUUID().toString();
        StubMapping broken = FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.legs[0].to", equalTo(customer.account().toString())))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        String id;
        try {
            expectProblem(topUp(customer.token(), key, card, 2500), 503, "service-unavailable")
                    .header("Retry-After", Matchers.notNullValue());
            id = TestDatabase.queryText("SELECT id FROM topup WHERE customer_id = '" + customer.id() + "'");
            assertEquals("crediting", status(id), "charged, kept for the reconciler");
            due(id);
            reconciler.settleDue().await().indefinitely();
            assertEquals("crediting", status(id), "still away: kept");
        } finally {
            FakeWallet.server().removeStub(broken);
        }
        due(id);
        reconciler.settleDue().await().indefinitely();
        creditedOnce(customer, id, 2500);
        topUp(customer.token(), key, card, 2500).statusCode(200).body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"),
                "charged once");
    }

    @Test
    void addingACardNeedsAStepUp() {
        Customer customer = customer();
        expectProblem(as(customer.token()).body(card(APPROVES)).post("/v1/cards").then(), 403, "step-up-required");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM funding_card WHERE customer_id = '" + customer.id()
                + "'"));
        register(customer, APPROVES);
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM funding_card WHERE customer_id = '" + customer.id()
                + "'"));
    }

    @Test
    void aFirstTopupFromANewDeviceIsHeldUntilTheStepUp() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String device = "dev-" + UUID.randomUUID();
        String fresh = TestIssuer.tokens().customerToken(customer.id(), device, Instant.now(), false);
        String key = UUID.randomUUID().toString();
        String location = expectProblem(topUp(fresh, key, card, 1000), 403, "step-up-required")
                .header("Location", Matchers.startsWith("/v1/topups/")).extract().header("Location");
        String id = location.substring("/v1/topups/".length());
        assertEquals("held", status(id));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"),
                "nothing charged");
        String steppedUp = TestIssuer.tokens().customerToken(customer.id(), device, Instant.now(), true);
        topUp(steppedUp, key, card, 1000).statusCode(200).body("status", Matchers.equalTo("COMPLETED"));
        creditedOnce(customer, id, 1000);
    }

    @Test
    void aHeldTopupOpsApproveIsChargedAndCreditedByTheReconciler() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String fresh = TestIssuer.tokens().customerToken(customer.id(), "dev-" + UUID.randomUUID(), Instant.now(),
                false);
        String key = UUID.randomUUID().toString();
        String id = expectProblem(topUp(fresh, key, card, 1800), 403, "step-up-required").extract()
                .header("Location").substring("/v1/topups/".length());
        pool.withTransaction(tx -> held.proceed(tx, UUID.fromString(id))).await().indefinitely();
        assertEquals("charging", status(id));
        reconciler.settleDue().await().indefinitely();
        creditedOnce(customer, id, 1800);
        topUp(fresh, key, card, 1800).statusCode(200).body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void aHeldTopupOpsDenyFailsAndChargesNothing() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String fresh = TestIssuer.tokens().customerToken(customer.id(), "dev-" + UUID.randomUUID(), Instant.now(),
                false);
        String key = UUID.randomUUID().toString();
        String id = expectProblem(topUp(fresh, key, card, 1800), 403, "step-up-required").extract()
                .header("Location").substring("/v1/topups/".length());
        pool.withTransaction(tx -> held.refuse(tx, UUID.fromString(id), "risk-denied", "Denied by ops."))
                .await().indefinitely();
        assertEquals("failed", status(id));
        expectProblem(topUp(fresh, key, card, 1800), 403, "risk-denied");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM sandbox_charge WHERE reference = '" + id + "'"));
        assertEquals(0, postedUnder(id).size());
    }

    @Test
    void anotherCustomersCardsAndTopupsAreNotFound() {
        Customer owner = customer();
        Customer other = customer();
        String card = register(owner, APPROVES);
        String id = topUp(owner.token(), UUID.randomUUID().toString(), card, 1000).statusCode(201).extract()
                .path("topupId");
        expectProblem(as(other.token()).get("/v1/topups/" + id).then(), 404, "topup-not-found");
        expectProblem(topUp(other.token(), UUID.randomUUID().toString(), card, 1000), 404, "card-not-found");
        expectProblem(as(other.token()).delete("/v1/cards/" + card).then(), 404, "card-not-found");
        as(other.token()).get("/v1/cards").then().statusCode(200).body("$", Matchers.empty());
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM topup WHERE customer_id = '" + other.id() + "'"));
        // The owner may remove it; a removed card cannot be charged.
        as(owner.token()).delete("/v1/cards/" + card).then().statusCode(204);
        expectProblem(topUp(owner.token(), UUID.randomUUID().toString(), card, 1000), 404, "card-not-found");
        as(owner.token()).get("/v1/cards").then().body("$", Matchers.empty());
    }

    @Test
    void onlyACustomerWithAGoodTokenMayUseCards() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        given().contentType(ContentType.JSON).body(card(APPROVES)).post("/v1/cards").then().statusCode(401);
        given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger(customer.id(), "customer"))
                .contentType(ContentType.JSON).header("Idempotency-Key", "k").body(topup(card, 100))
                .post("/v1/topups").then().statusCode(401);
        given().auth().oauth2(TestIssuer.tokens().expiredToken(customer.id(), "customer")).get("/v1/cards").then()
                .statusCode(401);
        String merchant = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        as(merchant).header("Idempotency-Key", "k").body(topup(card, 100)).post("/v1/topups").then()
                .statusCode(403);
        as(merchant).get("/v1/cards").then().statusCode(403);
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM topup WHERE customer_id = '" + customer.id() + "'"));
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() {
        Customer customer = customer();
        String card = register(customer, APPROVES);
        String key = UUID.randomUUID().toString();
        expectProblem(as(customer.stepUp()).body(Map.of("number", "4000000000000102", "expiryMonth", 12,
                "expiryYear", 2031, "cvc", CVC)).post("/v1/cards").then(), 422, "invalid-card-number")
                .body(Matchers.not(Matchers.containsString("4000000000000102")));
        expectProblem(as(customer.stepUp()).body(Map.of("number", APPROVES, "expiryMonth", 1, "expiryYear", 2001,
                "cvc", CVC)).post("/v1/cards").then(), 422, "card-expired");
        expectProblem(as(customer.stepUp()).body(card("4242424242424242")).post("/v1/cards").then(), 422,
                "card-not-supported");
        expectProblem(as(customer.stepUp()).body(Map.of("number", "12ab", "expiryMonth", 13, "expiryYear", 2031,
                "cvc", "12345")).post("/v1/cards").then(), 400, "validation-failed")
                .body(Matchers.not(Matchers.containsString("12345")));
        expectProblem(as(customer.stepUp()).body("{\"number\":").post("/v1/cards").then(), 400, "malformed-body");
        expectProblem(as(customer.stepUp()).body("x".repeat(2_000_000)).post("/v1/cards").then(), 413,
                "payload-too-large");
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM funding_card WHERE customer_id = '" + customer.id()
                + "'"));
        expectProblem(as(customer.token()).body(topup(card, 100)).post("/v1/topups").then(), 400,
                "missing-idempotency-key");
        expectProblem(as(customer.token()).header("Idempotency-Key", key).body("{\"cardId\":").post("/v1/topups")
                .then(), 400, "malformed-body");
        expectProblem(topUp(customer.token(), key, card, 0), 400, "validation-failed");
        expectProblem(as(customer.token()).header("Idempotency-Key", key).body(Map.of("cardId", card, "amount",
                Map.of("amount", 100, "currency", "USD"))).post("/v1/topups").then(), 400, "validation-failed");
        expectProblem(as(customer.token()).header("Idempotency-Key", key).body("x".repeat(2_000_000))
                .post("/v1/topups").then(), 413, "payload-too-large");
        expectProblem(topUp(customer.token(), key, card, 100_001), 422, "topup-limit-exceeded");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM topup WHERE customer_id = '" + customer.id() + "'"));
    }

    @Test
    void noCardNumberOrCvcIsInAnyLogLineTableOrAnswer() throws Exception {
        List<String> answers = new ArrayList<>();
        List<String> numbers = List.of(APPROVES, INSUFFICIENT, CHALLENGE, TIMEOUT_APPROVED, LATE);
        try (CapturedLog log = CapturedLog.start()) {
            for (String number : numbers) {
                Customer customer = customer();
                answers.add(as(customer.stepUp()).body(card(number)).post("/v1/cards").then().statusCode(201)
                        .extract().asString());
                String card = TestDatabase.queryText("SELECT id FROM funding_card WHERE customer_id = '"
                        + customer.id() + "'");
                answers.add(topUp(customer.token(), UUID.randomUUID().toString(), card, 1200).extract().asString());
                answers.add(as(customer.token()).get("/v1/cards").then().extract().asString());
            }
            answers.add(as(customer().stepUp()).body(Map.of("number", "4000000000000102", "expiryMonth", 12,
                    "expiryYear", 2031, "cvc", CVC)).post("/v1/cards").then().extract().asString());
            TestDatabase.execute("UPDATE topup SET next_attempt_at = now() WHERE status = 'charging'");
            reconciler.settleDue().await().indefinitely();
            for (var record : log.records()) {
                String line = CapturedLog.describe(record);
                for (String number : numbers) {
                    assertFalse(line.contains(number), "a log line names a card number: " + line);
                }
            }
        }
        for (String answer : answers) {
            for (String number : numbers) {
                assertFalse(answer.contains(number), "an answer names a card number: " + answer);
            }
            assertFalse(answer.contains("4000000000000102"), answer);
            assertFalse(answer.contains("\"cvc\""), answer);
        }
        // Every text column of every table, as a dump would show it.
        try (Connection connection = TestDatabase.connect(); Statement statement = connection.createStatement()) {
            List<String[]> columns = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT table_schema, table_name, column_name FROM "
                    + "information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                    + "AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')")) {
                while (rows.next()) {
                    columns.add(new String[]{rows.getString(1), rows.getString(2), rows.getString(3)});
                }
            }
            assertFalse(columns.isEmpty());
            for (String[] column : columns) {
                String name = "\"" + column[0] + "\".\"" + column[1] + "\"";
                String value = "\"" + column[2] + "\"::text";
                for (String number : numbers) {
                    try (ResultSet found = statement.executeQuery("SELECT count(*) FROM " + name + " WHERE " + value
                            + " LIKE '%" + number + "%' OR " + value + " LIKE '%cvc%" + CVC + "%'")) {
                        found.next();
                        assertEquals(0, found.getLong(1), name + "." + column[2] + " holds card data");
                    }
                }
            }
        }
    }
}
