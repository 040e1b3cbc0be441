package io.kessai.payment.risk;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.payment.Reconciler;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * The risk engine through the payment API, against real PostgreSQL: every decision stored with its reasons and
 * figures; a payment held for a step-up, released by the same request with a step-up token or by the confirmation
 * endpoint, approved or denied from the review list, or expired; freezes, the monthly limit, velocity and the 7pay
 * pattern; what a refused payment counted given back; and who may see and resolve reviews.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class RiskEngineTest {

    private static final String APPLICATION = """
            {"legalName": "株式会社ケッサイ", "displayName": "ケッサイ商店", "city": "Tokyo", "categoryCode": "5411",
             "stores": [{"name": "Ginza"}]}""";

    @Inject
    Reconciler reconciler;

    /** A customer: the user id and a device a second factor bound at a given time. */
    record Customer(String id, String device, Instant boundAt) {

        String token() {
            return TestIssuer.tokens().customerToken(id, device, boundAt, false);
        }

        String stepUp() {
            return TestIssuer.tokens().customerToken(id, device, boundAt, true);
        }
    }

    private static Customer established() {
        return new Customer("cust-" + UUID.randomUUID(), "phone-" + UUID.randomUUID(), Instant.now().minus(
                Duration.ofDays(30)));
    }

    private static Customer onNewDevice() {
        return new Customer("cust-" + UUID.randomUUID(), "phone-" + UUID.randomUUID(), Instant.now().minus(
                Duration.ofHours(1)));
    }

    private static String ops() {
        return TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops");
    }

    private static RequestSpecification as(String token) {
        return RestAssured.given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    /** A store's static code of a fresh approved merchant, and a till of that store. */
    private record Store(String code, String till, String merchantId) {
    }

    private static Store store() {
        String id = as(TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant"))
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION).post("/v1/merchants")
                .then().statusCode(201).extract().path("id");
        String storeId = as(ops()).post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract()
                .path("stores[0].id");
        String till = TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, storeId, "T1");
        String code = as(till).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        return new Store(code, till, id);
    }

    private static ValidatableResponse pay(String token, String key, Store store, long amount) {
        return as(token).header("Idempotency-Key", key).body(Map.of("payload", store.code(), "amount",
                Map.of("amount", amount, "currency", "JPY"))).post("/v1/payments").then();
    }

    private static JsonPath decisionsOf(String customerId) {
        return as(ops()).get("/v1/ops/risk/decisions?customerId=" + customerId).then().statusCode(200).extract()
                .jsonPath();
    }

    private static String status(String paymentId) {
        return TestDatabase.queryText("SELECT status FROM payment WHERE id = '" + paymentId + "'");
    }

    private static long dayTotal(String customerId) {
        return TestDatabase.count("SELECT coalesce(sum(total), 0) FROM customer_day_total WHERE customer_id = '"
                + customerId + "'");
    }

    /**
     * An allowed card top-up two minutes ago, as the top-up flow's judgement stores it; with a card used 40 days
     * before unless {@code firstUseOfCard}.
     */
    private static void toppedUp(String customerId, long amount, boolean firstUseOfCard) {
        UUID card = UUID.randomUUID();
        if (!firstUseOfCard) {
            TestDatabase.execute("INSERT INTO risk_decision (id, movement_kind, movement_id, customer_id, amount, "
                    + "funding_source_id, outcome, movement_at, created_at) VALUES (gen_random_uuid(), 'topup', "
                    + "gen_random_uuid(), '" + customerId + "', 1000, '" + card + "', 'allow', now(), "
                    + "now() - interval '40 days')");
        }
        TestDatabase.execute("INSERT INTO risk_decision (id, movement_kind, movement_id, customer_id, amount, "
                + "funding_source_id, outcome, movement_at, created_at) VALUES (gen_random_uuid(), 'topup', "
                + "gen_random_uuid(), '" + customerId + "', " + amount + ", '" + card + "', 'allow', now(), "
                + "now() - interval '2 minutes')");
    }

    @Test
    void everyDecisionIsStoredWithItsFiguresAndAnAllowedPaymentRaisesItsTotals() {
        Store store = store();
        Customer customer = established();
        double rulesTimed = rulesJudgements();
        String paymentId = pay(customer.token(), UUID.randomUUID().toString(), store, 1_200).statusCode(201)
                .extract().path("paymentId");

        JsonPath decisions = decisionsOf(customer.id());
        assertEquals(1, decisions.getList("items").size());
        assertEquals("ALLOW", decisions.getString("items[0].outcome"));
        assertEquals("MPM_PAYMENT", decisions.getString("items[0].movementKind"));
        assertEquals(paymentId, decisions.getString("items[0].movementId"));
        assertEquals(customer.device(), decisions.getString("items[0].deviceId"));
        assertEquals(store.merchantId(), decisions.getString("items[0].merchantId"));
        assertEquals(1_200, decisions.getInt("items[0].amount"));
        assertEquals(1_200, dayTotal(customer.id()));
        assertEquals(1_200, TestDatabase.count("SELECT total FROM customer_period_total WHERE customer_id = '"
                + customer.id() + "' AND counter = 'spend-month'"));
        assertEquals("{spend-day,spend-month}", TestDatabase.queryText("SELECT counters::text FROM risk_decision "
                + "WHERE movement_id = '" + paymentId + "'"));
        // The rules' own time is measured for the benchmark's CPU figure (kessai_risk_rules_seconds), per group.
        assertTrue(rulesJudgements() > rulesTimed, "the judgement's rules were timed");
    }

    /** How many groups' rules payment-service has timed so far, from its Prometheus metrics. */
    private static double rulesJudgements() {
        Matcher count = Pattern.compile("(?m)^kessai_risk_rules_seconds_count(?:\\{[^}]*})? "
                + "(\\S+)$").matcher(given().get("/q/metrics").then().statusCode(200).extract().asString());
        return count.find() ? Double.parseDouble(count.group(1)) : 0;
    }

    @Test
    void aPaymentHeldForAStepUpGoesOnWhenTheSameRequestComesWithAStepUpToken() {
        Store store = store();
        Customer customer = onNewDevice();
        String key = UUID.randomUUID().toString();
        ValidatableResponse held = pay(customer.token(), key, store, 20_000);
        expectProblem(held, 403, Rules.STEP_UP_REQUIRED);
        String location = held.extract().header("Location");
        String paymentId = location.substring(location.lastIndexOf('/') + 1);
        assertEquals("held", status(paymentId));
        assertEquals(0, FakeWallet.server().findAll(com.github.tomakehurst.wiremock.client.WireMock
                .postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                        "/v1/internal/transfers"))
                .withHeader("Idempotency-Key",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo(paymentId)))
                .size(),
                "nothing posted while held");
        assertEquals(0, dayTotal(customer.id()), "nothing counted while held");
        as(customer.token()).get(location).then().statusCode(200).body("status", Matchers.equalTo("HELD"))
                .body("failure.code", Matchers.equalTo(Rules.STEP_UP_REQUIRED));

        // The review list shows it with the rule and its figures.
        JsonPath open = as(ops()).get("/v1/ops/risk/reviews").then().statusCode(200).extract().jsonPath();
        Map<String, Object> review = open.getList("items", Map.class).stream()
                .filter(item -> paymentId.equals(item.get("movementId"))).findFirst().orElseThrow();
        assertEquals("open", review.get("review"));
        assertEquals("STEP_UP", review.get("outcome"));
        List<?> reasons = (List<?>) review.get("reasons");
        assertEquals("new-device", ((Map<?, ?>) reasons.getFirst()).get("rule"));
        assertEquals(20_000, ((Map<?, ?>) ((Map<?, ?>) reasons.getFirst()).get("figures")).get("amount"));

        // Retried without a step-up: the same answer, no second review.
        expectProblem(pay(customer.token(), key, store, 20_000), 403, Rules.STEP_UP_REQUIRED);
        // With one: judged again, allowed, paid.
        pay(customer.stepUp(), key, store, 20_000).statusCode(201).body("paymentId", Matchers.equalTo(paymentId))
                .body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(20_000, dayTotal(customer.id()));
        JsonPath decisions = decisionsOf(customer.id());
        assertEquals(List.of("ALLOW", "STEP_UP"), decisions.getList("items.outcome"));
        assertEquals("stepped_up", decisions.getString("items[1].review"));
        assertEquals(true, decisions.getBoolean("items[0].reasons[0].figures.clearedByStepUp"));
        // Once done, a retry answers the payment.
        pay(customer.token(), key, store, 20_000).statusCode(200).header("Idempotent-Replayed", "true")
                .body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void theCustomerConfirmsAHeldPaymentInTheAppWithAStepUp() {
        Store store = store();
        Customer customer = onNewDevice();
        String location = pay(customer.token(), UUID.randomUUID().toString(), store, 15_000).statusCode(403)
                .extract().header("Location");
        expectProblem(as(customer.token()).post(location + "/confirmation").then(), 403, Rules.STEP_UP_REQUIRED);
        expectProblem(as(established().stepUp()).post(location + "/confirmation").then(), 404, "payment-not-found");
        as(customer.stepUp()).post(location + "/confirmation").then().statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED"));
        // Confirming again answers it as it is.
        as(customer.stepUp()).post(location + "/confirmation").then().statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(15_000, dayTotal(customer.id()));
    }

    @Test
    void opsApproveAHeldPaymentAndTheReconcilerPostsIt() {
        Store store = store();
        Customer customer = onNewDevice();
        String location = pay(customer.token(), UUID.randomUUID().toString(), store, 12_000).statusCode(403)
                .extract().header("Location");
        String paymentId = location.substring(location.lastIndexOf('/') + 1);
        String decisionId = decisionsOf(customer.id()).getString("items[0].decisionId");

        expectProblem(as(customer.token()).body("{}").post("/v1/ops/risk/reviews/" + decisionId + "/approval").then(),
                403, "forbidden");
        as(ops()).body(Map.of("note", "called the customer")).post("/v1/ops/risk/reviews/" + decisionId + "/approval")
                .then().statusCode(200).body("review", Matchers.equalTo("approved"))
                .body("reviewNote", Matchers.equalTo("called the customer"));
        assertEquals("pending", status(paymentId));
        assertEquals(12_000, dayTotal(customer.id()), "counted when approved");
        reconciler.settleDue().await().atMost(Duration.ofSeconds(10));
        assertEquals("completed", status(paymentId));
        expectProblem(as(ops()).body("{}").post("/v1/ops/risk/reviews/" + decisionId + "/approval").then(), 409,
                "review-closed");
        expectProblem(as(ops()).body("{}").post("/v1/ops/risk/reviews/" + UUID.randomUUID() + "/denial").then(), 404,
                "decision-not-found");
    }

    @Test
    void opsDenyAHeldPaymentAndAnExpiredHoldFailsItself() {
        Store store = store();
        Customer customer = onNewDevice();
        String denied = paymentOf(pay(customer.token(), UUID.randomUUID().toString(), store, 11_000));
        String decisionId = decisionsOf(customer.id()).getString("items[0].decisionId");
        as(ops()).body(Map.of("note", "not the customer")).post("/v1/ops/risk/reviews/" + decisionId + "/denial")
                .then().statusCode(200).body("review", Matchers.equalTo("denied"));
        assertEquals("failed", status(denied));
        assertEquals("risk-denied", TestDatabase.queryText("SELECT failure_code FROM payment WHERE id = '" + denied
                + "'"));

        Customer other = onNewDevice();
        String expiring = paymentOf(pay(other.token(), UUID.randomUUID().toString(), store, 11_000));
        TestDatabase.execute("UPDATE risk_decision SET review_expires_at = now() - interval '1 second' "
                + "WHERE movement_id = '" + expiring + "'");
        reconciler.settleDue().await().atMost(Duration.ofSeconds(10));
        assertEquals("failed", status(expiring));
        assertEquals("risk-hold-expired", TestDatabase.queryText("SELECT failure_code FROM payment WHERE id = '"
                + expiring + "'"));
        assertEquals("expired", decisionsOf(other.id()).getString("items[0].review"));
        assertEquals(0, dayTotal(other.id()));
    }

    private static String paymentOf(ValidatableResponse held) {
        String location = held.statusCode(403).extract().header("Location");
        return location.substring(location.lastIndexOf('/') + 1);
    }

    @Test
    void aFrozenUserOrDeviceMovesNoMoneyAndTheRefusalIsStored() {
        Store store = store();
        Customer customer = established();
        TestDatabase.execute("INSERT INTO frozen_subject (kind, subject, reason, frozen_by) VALUES ('user', '"
                + customer.id() + "', 'takeover', 'ops-1')");
        expectProblem(pay(customer.stepUp(), UUID.randomUUID().toString(), store, 500), 403, "account-frozen");
        Customer other = established();
        TestDatabase.execute("INSERT INTO frozen_subject (kind, subject, reason, frozen_by) VALUES ('device', '"
                + other.id() + "/" + other.device() + "', 'stolen phone', 'ops-1')");
        expectProblem(pay(other.token(), UUID.randomUUID().toString(), store, 500), 403, "device-frozen");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payment WHERE customer_id IN ('" + customer.id()
                + "', '" + other.id() + "')"));
        assertEquals("DENY", decisionsOf(customer.id()).getString("items[0].outcome"));
        assertEquals("account-frozen", decisionsOf(customer.id()).getString("items[0].reasons[0].code"));
        // Another device of that customer still pays.
        pay(new Customer(other.id(), "phone-" + UUID.randomUUID(), other.boundAt()).token(),
                UUID.randomUUID().toString(), store, 500).statusCode(201);
    }

    @Test
    void theMonthlyLimitAndVelocityRefuseAndARefusalCountsNothing() {
        Store store = store();
        Customer customer = established();
        TestDatabase.execute("INSERT INTO customer_period_total (customer_id, counter, period, total) VALUES ('"
                + customer.id() + "', 'spend-month', date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo')::date, "
                + "2999000)");
        pay(customer.token(), UUID.randomUUID().toString(), store, 1_000).statusCode(201);
        expectProblem(pay(customer.token(), UUID.randomUUID().toString(), store, 1), 422, "monthly-limit-exceeded");
        assertEquals(1_000, dayTotal(customer.id()), "the refused payment's day total was taken back");

        Customer busy = established();
        TestDatabase.execute("INSERT INTO risk_decision (id, movement_kind, movement_id, customer_id, amount, outcome, "
                + "movement_at) SELECT gen_random_uuid(), 'mpm_payment', gen_random_uuid(), '" + busy.id() + "', 100, "
                + "'allow', now() FROM generate_series(1, 60)");
        JsonPath refused = pay(busy.stepUp(), UUID.randomUUID().toString(), store, 100).statusCode(422).extract()
                .jsonPath();
        assertEquals("velocity-limit-exceeded", refused.getString("code"));
        assertEquals(61, decisionsOf(busy.id()).getInt("items.find { it.outcome == 'DENY' }.reasons[0].figures"
                + ".count"));
    }

    @Test
    void aRefusedTransferGivesBackWhatItsDecisionCounted() {
        Store store = store();
        Customer customer = established();
        FakeWallet.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/internal/transfers"))
                .atPriority(1).withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath(
                        "$.legs[0].amount", com.github.tomakehurst.wiremock.client.WireMock.equalTo("7013")))
                .willReturn(FakeWallet.json(422, "{\"type\":\"https://kessai.io/problems/insufficient-funds\","
                        + "\"status\":422,\"detail\":\"Account has 100 JPY available.\"}")));
        try {
            expectProblem(pay(customer.token(), UUID.randomUUID().toString(), store, 7_013), 422,
                    "insufficient-funds");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        assertEquals(0, dayTotal(customer.id()));
        assertEquals(0, TestDatabase.count("SELECT total FROM customer_period_total WHERE customer_id = '"
                + customer.id() + "' AND counter = 'spend-month'"));
        assertEquals(true, decisionsOf(customer.id()).getBoolean("items[0].released"));
    }

    @Test
    void theSevenPayPatternIsHeldForOpsAndAStepUpDoesNotReleaseIt() {
        Store store = store();
        Customer attacker = established();
        toppedUp(attacker.id(), 50_000, true);
        String key = UUID.randomUUID().toString();
        ValidatableResponse held = pay(attacker.token(), key, store, 45_000);
        expectProblem(held, 403, Rules.HELD_FOR_REVIEW);
        // The attacker controls the account, second factor included: a step-up changes nothing.
        expectProblem(pay(attacker.stepUp(), key, store, 45_000), 403, Rules.HELD_FOR_REVIEW);
        String location = held.extract().header("Location");
        expectProblem(as(attacker.stepUp()).post(location + "/confirmation").then(), 403, Rules.HELD_FOR_REVIEW);

        JsonPath decision = decisionsOf(attacker.id());
        assertEquals(1, decision.getList("items.findAll { it.movementKind == 'MPM_PAYMENT' }").size(),
                "one review per movement, however often it is retried");
        assertEquals("open", decision.getString("items[0].review"));
        assertEquals("topup-then-spend", decision.getString("items[0].reasons[0].rule"));
        assertEquals(50_000, decision.getInt("items[0].reasons[0].figures.topups"));
        assertEquals(45_000, decision.getInt("items[0].reasons[0].figures.spent"));
        assertEquals(true, decision.getBoolean("items[0].reasons[0].figures.firstCardUse"));
        as(ops()).body("{}").post("/v1/ops/risk/reviews/" + decision.getString("items[0].decisionId") + "/denial")
                .then().statusCode(200);
        assertEquals("failed", status(location.substring(location.lastIndexOf('/') + 1)));
    }

    @Test
    void onlyOpsReadDecisionsAndMalformedQueriesAreRefused() {
        expectProblem(RestAssured.given().get("/v1/ops/risk/decisions").then(), 401, "unauthorized");
        expectProblem(as(established().token()).get("/v1/ops/risk/reviews").then(), 403, "forbidden");
        expectProblem(as(ops()).get("/v1/ops/risk/decisions?limit=0").then(), 400, "validation-failed");
        expectProblem(as(ops()).get("/v1/ops/risk/decisions?outcome=MAYBE").then(), 400, "validation-failed");
        expectProblem(as(ops()).get("/v1/ops/risk/reviews?status=lost").then(), 400, "validation-failed");
        expectProblem(as(ops()).get("/v1/ops/risk/decisions?cursor=nope").then(), 400, "invalid-cursor");
        expectProblem(as(ops()).get("/v1/ops/risk/decisions/" + UUID.randomUUID()).then(), 404, "decision-not-found");
        expectProblem(as(ops()).body(Map.of("note", "x".repeat(501))).post("/v1/ops/risk/reviews/"
                + UUID.randomUUID() + "/approval").then(), 400, "validation-failed");
    }
}
