package io.kessai.payment.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * Codes and payments end to end within payment-service, against real PostgreSQL and a WireMock wallet-service over
 * real HTTP: a till's order code paid once, a static code with a typed amount, replays and reused keys, concurrent
 * retries, a refusal, an unknown outcome settled by the reconciler, frozen merchants, and who may see what.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
public class PaymentFlowTest {

    private static final String APPLICATION = """
            {"legalName": "株式会社かもめ食堂", "displayName": "かもめ食堂", "city": "Tokyo", "categoryCode": "5812",
             "stores": [{"name": "Shibuya"}, {"name": "Ebisu"}]}""";

    @Inject
    Reconciler reconciler;

    /** An approved merchant with two stores and a till in each. */
    record Shop(String merchantId, String storeA, String storeB, String tillA, String tillB) {
    }

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    static Shop shop() {
        String owner = "owner-" + UUID.randomUUID();
        String id = as(TestIssuer.tokens().token(owner, "merchant"))
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION).post("/v1/merchants").then()
                .statusCode(201).extract().path("id");
        JsonPath approved = as(TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops"))
                .post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract().jsonPath();
        String storeA = approved.getString("stores[0].id");
        String storeB = approved.getString("stores[1].id");
        return new Shop(id, storeA, storeB,
                TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, storeA, "T1"),
                TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, storeB, "T9"));
    }

    public static String customer() {
        return TestIssuer.tokens().token("cust-" + UUID.randomUUID(), "customer");
    }

    public static JsonPath order(String till, String merchantPaymentId, long amount) {
        return as(till).body(Map.of("merchantPaymentId", merchantPaymentId, "amount",
                Map.of("amount", amount, "currency", "JPY"))).post("/v1/codes").then().statusCode(201).extract()
                .jsonPath();
    }

    public static io.restassured.response.ValidatableResponse pay(String customer, String key, String payload,
            Long amount) {
        Map<String, Object> body = amount == null
                ? Map.of("payload", payload)
                : Map.of("payload", payload, "amount", Map.of("amount", amount, "currency", "JPY"));
        return as(customer).header("Idempotency-Key", key).body(body).post("/v1/payments").then();
    }

    /** Until the stubs are reset, wallet-service refuses transfers of {@code amount} with insufficient-funds. */
    static void walletRefusesTransfersOf(long amount) {
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.legs[0].amount", equalTo(Long.toString(amount))))
                .willReturn(FakeWallet.json(422, "{\"type\":\"https://kessai.io/problems/insufficient-funds\","
                        + "\"status\":422,\"detail\":\"Account has 100 JPY available.\"}")));
    }

    /** {@code payload} with a CRC that does not match it. */
    static String brokenCrc(String payload) {
        return payload.substring(0, payload.length() - 4) + (payload.endsWith("0000") ? "1111" : "0000");
    }

    public static List<LoggedRequest> transfersUnder(String key) {
        return FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))
                .withHeader("Idempotency-Key", equalTo(key)));
    }

    @Test
    void aTillsOrderCodeIsPaidOnceAndItsPaymentIsReadByTheMerchantsOwnId() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        JsonPath code = order(shop.tillA(), orderId, 980);
        assertEquals("CREATED", code.getString("status"));
        assertEquals("T1", code.getString("terminalId"));
        String payload = code.getString("payload");
        assertTrue(code.getString("deeplink").startsWith("kessai://pay?qr="));

        // The till retries: the same body answers the same code; another body under the id is refused.
        as(shop.tillA()).body(Map.of("merchantPaymentId", orderId, "amount", Map.of("amount", 980, "currency", "JPY")))
                .post("/v1/codes").then().statusCode(200).header("Idempotent-Replayed", "true")
                .body("codeId", Matchers.equalTo(code.getString("codeId")))
                .body("payload", Matchers.equalTo(payload));
        expectProblem(as(shop.tillA()).body(Map.of("merchantPaymentId", orderId, "amount",
                Map.of("amount", 981, "currency", "JPY"))).post("/v1/codes").then(), 409,
                "merchant-payment-id-reused");

        String customer = customer();
        String key = UUID.randomUUID().toString();
        String paymentId = pay(customer, key, payload, null).statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED")).body("amount.amount", Matchers.equalTo(980))
                .body("merchantPaymentId", Matchers.equalTo(orderId))
                .body("merchantName", Matchers.equalTo("かもめ食堂")).extract().path("paymentId");

        List<LoggedRequest> sent = transfersUnder(paymentId);
        assertEquals(1, sent.size(), "one transfer, keyed by the payment id");
        JsonObject transfer = new JsonObject(sent.getFirst().getBodyAsString());
        assertEquals("payment", transfer.getString("kind"));
        JsonObject leg = transfer.getJsonArray("legs").getJsonObject(0);
        assertEquals(FakeWallet.CUSTOMER_ACCOUNT.toString(), leg.getString("from"));
        assertEquals(FakeWallet.MERCHANT_ACCOUNT.toString(), leg.getString("to"));
        assertEquals(980, leg.getLong("amount"));

        as(shop.tillA()).get("/v1/codes/" + orderId).then().statusCode(200).body("status", Matchers.equalTo("PAID"))
                .body("paymentId", Matchers.equalTo(paymentId)).body("payload", Matchers.nullValue());
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED")).body("paymentId", Matchers.equalTo(paymentId));
        as(customer).get("/v1/payments/" + paymentId).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));

        // Paid at most once: another customer, and the same customer under a new key, are refused.
        expectProblem(pay(customer(), UUID.randomUUID().toString(), payload, null), 409, "order-already-paid");
        expectProblem(pay(customer, UUID.randomUUID().toString(), payload, null), 409, "order-already-paid");
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM payment WHERE merchant_payment_id = '" + orderId
                + "'"));

        // The receipt reaches notification-service once, for the customer and the merchant.
        Eventually.until("the receipt is handed over", Duration.ofSeconds(20), () -> FakeNotificationService.accepted()
                .stream().anyMatch(event -> event.contains("pay:" + paymentId + ":completed")));
        String receipt = FakeNotificationService.accepted().stream()
                .filter(event -> event.contains("pay:" + paymentId + ":completed")).findFirst().orElseThrow();
        JsonObject recipient = new JsonObject(receipt).getJsonObject("recipient");
        assertEquals(shop.merchantId(), recipient.getString("merchantId"));
    }

    @Test
    void aStoreCodeIsPaidWithTheTypedAmountAndNeedsOne() {
        Shop shop = shop();
        String payload = as(shop.tillB()).get("/v1/store-code").then().statusCode(200)
                .body("storeId", Matchers.equalTo(shop.storeB())).extract().path("payload");
        String customer = customer();
        expectProblem(pay(customer, UUID.randomUUID().toString(), payload, null), 400, "amount-required");
        String key = UUID.randomUUID().toString();
        String paymentId = pay(customer, key, payload, 1234L).statusCode(201)
                .body("kind", Matchers.equalTo("MPM_STATIC")).body("storeId", Matchers.equalTo(shop.storeB()))
                .body("terminalId", Matchers.equalTo("T9")).extract().path("paymentId");

        // A retry answers the payment as it is; the same key for another payment is refused; one transfer in all.
        pay(customer, key, payload, 1234L).statusCode(200).header("Idempotent-Replayed", "true")
                .body("paymentId", Matchers.equalTo(paymentId));
        expectProblem(pay(customer, key, payload, 1235L), 422, "idempotency-key-reused");
        assertEquals(1, transfersUnder(paymentId).size());
        as(shop.tillB()).get("/v1/store-code/qr.png").then().statusCode(200).contentType("image/png");
    }

    @Test
    void concurrentRequestsUnderOneKeyMakeOnePaymentAndOneTransfer() throws Exception {
        Shop shop = shop();
        String payload = as(shop.tillA()).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        String customer = customer();
        String key = UUID.randomUUID().toString();
        var pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> pay(customer, key, payload, 500L).extract().statusCode(),
                        pool));
            }
            for (CompletableFuture<Integer> call : calls) {
                int status = call.get();
                // The first answers 201; a retry answers the payment as it is: 200, or 202 while it is in flight.
                assertTrue(status == 201 || status == 200 || status == 202, "every answer is the payment: " + status);
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM payment WHERE idempotency_key = '" + key + "'"));
        String id = TestDatabase.queryText("SELECT id::text FROM payment WHERE idempotency_key = '" + key + "'");
        assertEquals(1, transfersUnder(id).size());
        as(customer).get("/v1/payments/" + id).then().statusCode(200).body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void aRefusalFailsThePaymentAndGivesTheOrderAndTheDailyLimitBack() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 4041).getString("payload");
        walletRefusesTransfersOf(4041);
        String customer = customer();
        try {
            expectProblem(pay(customer, UUID.randomUUID().toString(), payload, null), 422, "insufficient-funds");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM payment WHERE merchant_payment_id = '" + orderId
                + "' AND status = 'failed' AND failure_code = 'insufficient-funds'"));
        assertEquals(0, TestDatabase.count("SELECT coalesce(sum(total), 0) FROM customer_day_total t JOIN payment p "
                + "ON p.customer_id = t.customer_id WHERE p.merchant_payment_id = '" + orderId + "'"));
        // The order can be paid again, now that the wallet has the money.
        pay(customer, UUID.randomUUID().toString(), payload, null).statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void aSlowWalletLeavesThePaymentPendingUntilTheReconcilerRepostsTheSameTransfer() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 4042).getString("payload");
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.legs[0].amount", equalTo("4042")))
                .willReturn(FakeWallet.json(201, "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500)));
        String customer = customer();
        String paymentId;
        try {
            paymentId = pay(customer, UUID.randomUUID().toString(), payload, null).statusCode(202)
                    .header("Retry-After", "2").header("Location", Matchers.containsString("/v1/payments/"))
                    .body("status", Matchers.equalTo("PENDING")).extract().path("paymentId");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then().statusCode(200)
                .body("status", Matchers.equalTo("PENDING"));
        // Nothing is settled before its grace has passed; then one pass re-posts it under the same key.
        TestDatabase.execute("UPDATE payment SET next_attempt_at = now() WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        as(customer).get("/v1/payments/" + paymentId).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
        as(shop.tillA()).get("/v1/codes/" + orderId).then().body("status", Matchers.equalTo("PAID"));
        List<LoggedRequest> sent = transfersUnder(paymentId);
        assertEquals(2, sent.size(), "the first (timed out) and the reconciler's re-post, under one key");
        assertEquals(sent.get(0).getBodyAsString(), sent.get(1).getBodyAsString(), "the same transfer again");
    }

    @Test
    void theOldestPendingPaymentsAgeIsExportedForAlerts() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 4043).getString("payload");
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.legs[0].amount", equalTo("4043")))
                .willReturn(FakeWallet.json(201, "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500)));
        String paymentId;
        try {
            paymentId = pay(customer(), UUID.randomUUID().toString(), payload, null).statusCode(202)
                    .body("status", Matchers.equalTo("PENDING")).extract().path("paymentId");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        // Ten minutes old, and not due yet: the pass measures it and leaves it alone.
        TestDatabase.execute("UPDATE payment SET created_at = now() - interval '10 minutes', "
                + "next_attempt_at = now() + interval '1 hour' WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        // At least this payment's age: an older pending payment of another test may only raise it.
        double age = metric("kessai_payment_pending_oldest_age_seconds")
                .orElseThrow(() -> new AssertionError("kessai_payment_pending_oldest_age_seconds is not exported"));
        assertTrue(age >= 600, "the oldest pending payment's age in seconds, at least this one's: " + age);
        // Settled again so that no test sees it pending.
        TestDatabase.execute("UPDATE payment SET next_attempt_at = now() WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
    }

    /** One series' value as /q/metrics has it now ({@code series}: name and labels as exported), if exported. */
    static OptionalDouble metric(String series) {
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1))).findFirst();
    }

    /** {@code kessai_payments_total} of one method and outcome as /q/metrics has it now (0 before its first). */
    public static double paymentsCounted(String method, String outcome) {
        return metric("kessai_payments_total{method=\"" + method + "\",outcome=\"" + outcome + "\"}").orElse(0);
    }

    @Test
    void paymentsAreCountedByOutcomeForOperators() {
        Shop shop = shop();
        String customer = customer();
        double completed = paymentsCounted("mpm", "completed");
        double replayed = paymentsCounted("mpm", "replayed");
        double rejected = paymentsCounted("mpm", "rejected");
        double failed = paymentsCounted("mpm", "failed");

        String key = UUID.randomUUID().toString();
        String payload = order(shop.tillA(), "order-" + UUID.randomUUID(), 4051).getString("payload");
        pay(customer, key, payload, null).statusCode(201);
        pay(customer, key, payload, null).statusCode(200).header("Idempotent-Replayed", "true");
        expectProblem(pay(customer, UUID.randomUUID().toString(), brokenCrc(payload), null), 400, "qr-bad-crc");
        String refused = order(shop.tillA(), "order-" + UUID.randomUUID(), 4052).getString("payload");
        walletRefusesTransfersOf(4052);
        try {
            expectProblem(pay(customer, UUID.randomUUID().toString(), refused, null), 422, "insufficient-funds");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }

        assertEquals(completed + 1, paymentsCounted("mpm", "completed"), "the payment made");
        assertEquals(replayed + 1, paymentsCounted("mpm", "replayed"), "its retry, no second payment");
        assertEquals(rejected + 1, paymentsCounted("mpm", "rejected"), "the broken code, nothing recorded");
        assertEquals(failed + 1, paymentsCounted("mpm", "failed"), "the payment the ledger refused");
    }

    @Test
    void aFrozenMerchantIsRefusedAtOnceAndItsAccountFrozenThroughTheOutbox() {
        Shop shop = shop();
        String payload = as(shop.tillA()).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        String ops = TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops");
        as(ops).body(Map.of("reason", "chargeback ring")).post("/v1/ops/merchants/" + shop.merchantId() + "/freeze")
                .then().statusCode(200).body("status", Matchers.equalTo("frozen"))
                .body("frozenReason", Matchers.equalTo("chargeback ring"));
        expectProblem(pay(customer(), UUID.randomUUID().toString(), payload, 100L), 409, "merchant-frozen");
        expectProblem(as(shop.tillA()).body(Map.of("merchantPaymentId", "o-1", "amount",
                Map.of("amount", 100, "currency", "JPY"))).post("/v1/codes").then(), 409, "merchant-frozen");
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM kessai_outbox WHERE path = "
                + "'/v1/internal/accounts/merchants/" + shop.merchantId() + "/freeze'")
                + FakeNotificationService.attempts().stream().filter(body -> body.contains("chargeback ring")).count(),
                "the wallet freeze is queued (or already handed over)");
        as(ops).body(Map.of("reason", "cleared")).post("/v1/ops/merchants/" + shop.merchantId() + "/unfreeze").then()
                .statusCode(200).body("status", Matchers.equalTo("active"));
        pay(customer(), UUID.randomUUID().toString(), payload, 100L).statusCode(201);
    }

    @Test
    void codesAndPaymentsAreSeenOnlyByTheirOwnTillsAndCustomers() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 700).getString("payload");
        String customer = customer();
        String paymentId = pay(customer, UUID.randomUUID().toString(), payload, null).statusCode(201).extract()
                .path("paymentId");

        expectProblem(as(customer()).get("/v1/payments/" + paymentId).then(), 404, "payment-not-found");
        expectProblem(as(shop.tillB()).get("/v1/codes/" + orderId).then(), 404, "order-not-found");
        expectProblem(as(shop.tillB()).get("/v1/merchant/payments/" + orderId).then(), 404, "payment-not-found");
        expectProblem(as(shop().tillA()).get("/v1/merchant/payments/" + orderId).then(), 404, "payment-not-found");
        expectProblem(as(customer).get("/v1/codes/" + orderId).then(), 403, "forbidden");
        String owner = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        expectProblem(as(owner).get("/v1/store-code").then(), 403, "forbidden");
        expectProblem(as(shop.tillA()).get("/v1/merchants").then(), 403, "forbidden");
        expectProblem(as(shop.tillA()).header("Idempotency-Key", "k").body(Map.of("payload", payload))
                .post("/v1/payments").then(), 403, "forbidden");
        given().get("/v1/payments/" + paymentId).then().statusCode(401);
        given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger("cust-x", "customer"))
                .get("/v1/payments/" + paymentId).then().statusCode(401);
    }

    @Test
    void badPayloadsAndDeadOrdersNeverReachTheLedger() {
        Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 300).getString("payload");
        String customer = customer();
        String broken = brokenCrc(payload);
        int before = FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))).size();
        expectProblem(pay(customer, UUID.randomUUID().toString(), broken, null), 400, "qr-bad-crc");
        expectProblem(pay(customer, UUID.randomUUID().toString(), payload, 301L), 422, "amount-mismatch");
        expectProblem(pay(customer, "", payload, null), 400, "missing-idempotency-key");
        as(shop.tillA()).delete("/v1/codes/" + orderId).then().statusCode(200)
                .body("status", Matchers.equalTo("DELETED"));
        expectProblem(pay(customer, UUID.randomUUID().toString(), payload, null), 409, "order-deleted");

        String expiring = "order-" + UUID.randomUUID();
        String expiringPayload = order(shop.tillA(), expiring, 300).getString("payload");
        TestDatabase.execute("UPDATE order_code SET expires_at = now() - interval '1 second' "
                + "WHERE merchant_payment_id = '" + expiring + "'");
        expectProblem(pay(customer, UUID.randomUUID().toString(), expiringPayload, null), 409, "order-expired");
        as(shop.tillA()).get("/v1/codes/" + expiring).then().body("status", Matchers.equalTo("EXPIRED"));
        expectProblem(as(shop.tillA()).body(Map.of("merchantPaymentId", "o-2", "amount",
                Map.of("amount", 300, "currency", "JPY"), "expiresInSeconds", 86_400)).post("/v1/codes").then(), 400,
                "validation-failed");
        assertEquals(before,
                FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))).size(),
                "no refused request reached the ledger");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payment WHERE merchant_payment_id IN ('" + orderId
                + "', '" + expiring + "')"));
    }
}
