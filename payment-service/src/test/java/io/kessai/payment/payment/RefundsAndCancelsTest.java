package io.kessai.payment.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.kessai.payment.payment.PaymentFlowTest.as;
import static io.kessai.payment.payment.PaymentFlowTest.customer;
import static io.kessai.payment.payment.PaymentFlowTest.order;
import static io.kessai.payment.payment.PaymentFlowTest.pay;
import static io.kessai.payment.payment.PaymentFlowTest.shop;
import static io.kessai.payment.payment.PaymentFlowTest.transfersUnder;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
import io.vertx.core.json.JsonObject;

/**
 * Refunds and cancels by tills, against real PostgreSQL and a WireMock wallet-service over real HTTP (the same
 * resources as {@link PaymentFlowTest}, so one Quarkus start serves both): partial and full refunds never above what
 * remains, replays and reused ids, refusals and unknown outcomes; cancels of orders without a payment, of completed
 * payments (reversed once) and of pending ones (never completed, settled once their transfer is known); and who may
 * do what.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class RefundsAndCancelsTest {

    @Inject
    Reconciler reconciler;

    /** A completed payment of {@code amount} at store A of a new shop, by a new customer. */
    record Paid(PaymentFlowTest.Shop shop, String customer, String orderId, String paymentId) {
    }

    static Paid paid(long amount) {
        PaymentFlowTest.Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, amount).getString("payload");
        String customer = customer();
        String paymentId = pay(customer, UUID.randomUUID().toString(), payload, null).statusCode(201).extract()
                .path("paymentId");
        return new Paid(shop, customer, orderId, paymentId);
    }

    static io.restassured.response.ValidatableResponse refund(String till, String merchantRefundId, String paymentId,
            long amount) {
        return as(till).body(Map.of("merchantRefundId", merchantRefundId, "paymentId", paymentId, "amount",
                Map.of("amount", amount, "currency", "JPY"), "reason", "missing dish")).post("/v1/merchant/refunds")
                .then();
    }

    static List<LoggedRequest> reversalsOf(String paymentId) {
        return FakeWallet.server().findAll(postRequestedFor(urlPathMatching("/v1/internal/transfers/[^/]+/reversals"))
                .withHeader("Idempotency-Key", equalTo("cancel:" + paymentId)));
    }

    static long dayTotalOf(String paymentId) {
        return TestDatabase.count("SELECT coalesce(sum(t.total), 0) FROM customer_day_total t JOIN payment p "
                + "ON p.customer_id = t.customer_id WHERE p.id = '" + paymentId + "'");
    }

    @Test
    void refundsArePartialOrFullNeverAboveWhatRemainsAndEachIsOneRefundTransfer() {
        Paid paid = paid(1000);
        String first = "refund-" + UUID.randomUUID();
        String refundId = refund(paid.shop().tillA(), first, paid.paymentId(), 300).statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED")).body("amount.amount", Matchers.equalTo(300))
                .body("merchantRefundId", Matchers.equalTo(first)).extract().path("refundId");

        List<LoggedRequest> sent = transfersUnder(refundId);
        assertEquals(1, sent.size(), "one transfer, keyed by the refund id");
        JsonObject transfer = new JsonObject(sent.getFirst().getBodyAsString());
        assertEquals("refund", transfer.getString("kind"));
        JsonObject leg = transfer.getJsonArray("legs").getJsonObject(0);
        assertEquals(FakeWallet.MERCHANT_ACCOUNT.toString(), leg.getString("from"), "from the merchant");
        assertEquals(FakeWallet.CUSTOMER_ACCOUNT.toString(), leg.getString("to"), "to the customer's wallet");
        assertEquals(300, leg.getLong("amount"));

        // The till retries: the same body answers the same refund; another body under the id is refused.
        refund(paid.shop().tillA(), first, paid.paymentId(), 300).statusCode(200)
                .header("Idempotent-Replayed", "true").body("refundId", Matchers.equalTo(refundId));
        expectProblem(refund(paid.shop().tillA(), first, paid.paymentId(), 301), 409, "merchant-refund-id-reused");
        assertEquals(1, transfersUnder(refundId).size());
        as(paid.customer()).get("/v1/payments/" + paid.paymentId()).then().statusCode(200)
                .body("refundStatus", Matchers.equalTo("PARTIALLY_REFUNDED"))
                .body("refunded.amount", Matchers.equalTo(300));

        expectProblem(refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 701), 422,
                "refund-exceeds-remaining");
        refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 700).statusCode(201);
        as(paid.shop().tillA()).get("/v1/merchant/payments/" + paid.orderId()).then().statusCode(200)
                .body("refundStatus", Matchers.equalTo("REFUNDED")).body("refunded.amount", Matchers.equalTo(1000));
        expectProblem(refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 1), 422,
                "refund-exceeds-remaining");
        assertEquals(2, TestDatabase.count("SELECT count(*) FROM refund WHERE payment_id = '" + paid.paymentId()
                + "' AND status = 'completed'"));
        as(paid.shop().tillA()).get("/v1/merchant/refunds/" + first).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED")).body("paymentId", Matchers.equalTo(paid.paymentId()));

        // The customer and the merchant get a receipt of each refund.
        Eventually.until("the refund's receipt is handed over", Duration.ofSeconds(20),
                () -> FakeNotificationService.accepted().stream()
                        .anyMatch(event -> event.contains("refund:" + refundId + ":completed")));
        JsonObject receipt = new JsonObject(FakeNotificationService.accepted().stream()
                .filter(event -> event.contains("refund:" + refundId + ":completed")).findFirst().orElseThrow());
        assertEquals("payment.refunded", receipt.getString("type"));
        assertEquals(paid.shop().merchantId(), receipt.getJsonObject("recipient").getString("merchantId"));
        assertEquals(300, receipt.getJsonObject("data").getJsonObject("amount").getLong("amount"));
    }

    @Test
    void aRefusedRefundFailsAndGivesItsAmountBackAndASlowOneIsReconciled() {
        Paid paid = paid(2000);
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.kind", equalTo("refund")))
                .willReturn(FakeWallet.json(422, "{\"type\":\"https://kessai.io/problems/insufficient-funds\","
                        + "\"status\":422,\"detail\":\"Account has 0 JPY available.\"}")));
        String refused = "refund-" + UUID.randomUUID();
        try {
            expectProblem(refund(paid.shop().tillA(), refused, paid.paymentId(), 2000), 422, "insufficient-funds");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        as(paid.shop().tillA()).get("/v1/merchant/refunds/" + refused).then().statusCode(200)
                .body("status", Matchers.equalTo("FAILED"))
                .body("failure.code", Matchers.equalTo("insufficient-funds"));
        assertEquals(0, TestDatabase.count("SELECT refunded FROM payment WHERE id = '" + paid.paymentId() + "'"));

        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.kind", equalTo("refund")))
                .willReturn(FakeWallet.json(201, "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500)));
        String slow = "refund-" + UUID.randomUUID();
        String refundId;
        try {
            refundId = refund(paid.shop().tillA(), slow, paid.paymentId(), 2000).statusCode(202)
                    .header("Location", Matchers.endsWith("/v1/merchant/refunds/" + slow)).header("Retry-After", "2")
                    .body("status", Matchers.equalTo("PENDING")).extract().path("refundId");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        // While it is in flight its amount is held: nothing more can be refunded.
        expectProblem(refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 1), 422,
                "refund-exceeds-remaining");
        TestDatabase.execute("UPDATE refund SET next_attempt_at = now() WHERE id = '" + refundId + "'");
        reconciler.settleDue().await().indefinitely();
        as(paid.shop().tillA()).get("/v1/merchant/refunds/" + slow).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
        List<LoggedRequest> sent = transfersUnder(refundId);
        assertEquals(2, sent.size(), "the first (timed out) and the reconciler's re-post, under one key");
        assertEquals(sent.get(0).getBodyAsString(), sent.get(1).getBodyAsString(), "the same transfer again");
    }

    @Test
    void aFrozenMerchantStillRefunds() {
        Paid paid = paid(500);
        String ops = TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops");
        as(ops).body(Map.of("reason", "investigation")).post("/v1/ops/merchants/" + paid.shop().merchantId()
                + "/freeze").then().statusCode(200);
        refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 500).statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED"));
    }

    @Test
    void onlyTheTillOfThePaymentsStoreRefundsIt() {
        Paid paid = paid(800);
        String pending = "refund-" + UUID.randomUUID();
        expectProblem(refund(paid.shop().tillB(), pending, paid.paymentId(), 100), 404, "payment-not-found");
        expectProblem(refund(shop().tillA(), pending, paid.paymentId(), 100), 404, "payment-not-found");
        expectProblem(refund(paid.customer(), pending, paid.paymentId(), 100), 403, "forbidden");
        String owner = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        expectProblem(refund(owner, pending, paid.paymentId(), 100), 403, "forbidden");
        given().contentType("application/json").body("{}").post("/v1/merchant/refunds").then().statusCode(401);
        expectProblem(refund(paid.shop().tillA(), "bad id!", paid.paymentId(), 100), 400, "validation-failed");
        expectProblem(refund(paid.shop().tillA(), pending, paid.paymentId(), 0), 400, "validation-failed");
        expectProblem(as(paid.shop().tillA()).body("{\"merchantRefundId\": \"r\", \"paymentId\": \"not-a-uuid\"}")
                .post("/v1/merchant/refunds").then(), 400, "malformed-body");
        expectProblem(refund(paid.shop().tillA(), pending, UUID.randomUUID().toString(), 100), 404,
                "payment-not-found");
        refund(paid.shop().tillA(), pending, paid.paymentId(), 100).statusCode(201);
        expectProblem(as(paid.shop().tillB()).get("/v1/merchant/refunds/" + pending).then(), 404, "refund-not-found");
        // Another store's till reusing the id, even with the same body, does not see the refund.
        expectProblem(refund(paid.shop().tillB(), pending, paid.paymentId(), 100), 409, "merchant-refund-id-reused");
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM refund WHERE payment_id = '" + paid.paymentId()
                + "'"));
    }

    @Test
    void aCompletedPaymentIsCanceledByReversingItOnce() {
        Paid paid = paid(1200);
        assertEquals(1200, dayTotalOf(paid.paymentId()));
        as(paid.shop().tillA()).post("/v1/merchant/payments/" + paid.orderId() + "/cancel").then().statusCode(200)
                .body("status", Matchers.equalTo("CANCELED"))
                .body("payment.status", Matchers.equalTo("CANCELED"))
                .body("payment.cancelSettlement", Matchers.equalTo("REVERSED"));
        // Idempotent: the same cancel again reverses nothing more.
        as(paid.shop().tillA()).post("/v1/merchant/payments/" + paid.orderId() + "/cancel").then().statusCode(200)
                .body("payment.cancelSettlement", Matchers.equalTo("REVERSED"));
        assertEquals(1, reversalsOf(paid.paymentId()).size(), "one full reversal, keyed by the cancel");
        assertEquals("{}", reversalsOf(paid.paymentId()).getFirst().getBodyAsString().replace(" ", ""));
        String transferId = TestDatabase.queryText("SELECT transfer_id::text FROM payment WHERE id = '"
                + paid.paymentId() + "'");
        assertTrue(reversalsOf(paid.paymentId()).getFirst().getUrl().contains(transferId), "of the payment's transfer");
        assertEquals(0, dayTotalOf(paid.paymentId()), "the day's limit is given back");
        as(paid.customer()).get("/v1/payments/" + paid.paymentId()).then()
                .body("status", Matchers.equalTo("CANCELED")).body("canceledAt", Matchers.notNullValue());
        as(paid.shop().tillA()).get("/v1/codes/" + paid.orderId()).then().body("status", Matchers.equalTo("DELETED"));
        // A canceled payment cannot be refunded.
        expectProblem(refund(paid.shop().tillA(), "refund-" + UUID.randomUUID(), paid.paymentId(), 1), 409,
                "payment-not-refundable");
        Eventually.until("the cancel's receipt is handed over", Duration.ofSeconds(20),
                () -> FakeNotificationService.accepted().stream()
                        .anyMatch(event -> event.contains("pay:" + paid.paymentId() + ":canceled")));
    }

    @Test
    void anOrderWithoutAPaymentIsCanceledByDeletingIt() {
        PaymentFlowTest.Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 640).getString("payload");
        as(shop.tillA()).post("/v1/merchant/payments/" + orderId + "/cancel").then().statusCode(200)
                .body("status", Matchers.equalTo("CANCELED")).body("payment", Matchers.nullValue());
        expectProblem(pay(customer(), UUID.randomUUID().toString(), payload, null), 409, "order-deleted");
        expectProblem(as(shop.tillB()).post("/v1/merchant/payments/" + orderId + "/cancel").then(), 404,
                "order-not-found");
        expectProblem(as(shop.tillA()).post("/v1/merchant/payments/no-such-order/cancel").then(), 404,
                "order-not-found");
    }

    @Test
    void aCancelOutsideTheWindowOrAfterARefundIsRefused() {
        Paid late = paid(300);
        TestDatabase.execute("UPDATE payment SET created_at = now() - interval '25 hours' WHERE id = '"
                + late.paymentId() + "'");
        expectProblem(as(late.shop().tillA()).post("/v1/merchant/payments/" + late.orderId() + "/cancel").then(), 409,
                "cancel-window-closed");
        Paid refunded = paid(300);
        refund(refunded.shop().tillA(), "refund-" + UUID.randomUUID(), refunded.paymentId(), 100).statusCode(201);
        expectProblem(as(refunded.shop().tillA()).post("/v1/merchant/payments/" + refunded.orderId() + "/cancel")
                .then(), 409, "payment-refunded");
        assertEquals(0, reversalsOf(late.paymentId()).size() + reversalsOf(refunded.paymentId()).size());
    }

    @Test
    void aPendingPaymentThatIsCanceledNeverCompletesAndIsReversedOnceItsTransferIsFound() {
        PaymentFlowTest.Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 4043).getString("payload");
        String paymentId = pendingPayment(payload);

        as(shop.tillA()).post("/v1/merchant/payments/" + orderId + "/cancel").then().statusCode(200)
                .body("payment.status", Matchers.equalTo("CANCELED"))
                .body("payment.cancelSettlement", Matchers.equalTo("PENDING"));
        // The reconciler never re-posts a canceled payment, and a found transfer is reversed, once.
        String transferId = UUID.randomUUID().toString();
        FakeWallet.server().stubFor(get(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withQueryParam("idempotencyKey", equalTo(paymentId))
                .willReturn(FakeWallet.json(200, "{\"id\":\"" + transferId + "\",\"kind\":\"payment\"}")));
        try {
            TestDatabase.execute("UPDATE payment SET next_attempt_at = now() WHERE id = '" + paymentId + "'");
            reconciler.settleDue().await().indefinitely();
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then().body("status", Matchers.equalTo("CANCELED"))
                .body("cancelSettlement", Matchers.equalTo("REVERSED"));
        assertEquals(1, transfersUnder(paymentId).size(), "the payment's transfer was never re-posted");
        assertEquals(1, reversalsOf(paymentId).size());
        assertTrue(reversalsOf(paymentId).getFirst().getUrl().contains(transferId));
        assertEquals(0, dayTotalOf(paymentId));
    }

    @Test
    void aPendingPaymentThatIsCanceledAndNeverPostedChargedNothingOnceTheHorizonHasPassed() {
        PaymentFlowTest.Shop shop = shop();
        String orderId = "order-" + UUID.randomUUID();
        String payload = order(shop.tillA(), orderId, 4044).getString("payload");
        String paymentId = pendingPayment(payload);
        as(shop.tillA()).post("/v1/merchant/payments/" + orderId + "/cancel").then().statusCode(200)
                .body("payment.cancelSettlement", Matchers.equalTo("PENDING"));

        // Before the horizon a transfer that is not found settles nothing: an earlier copy could still post.
        TestDatabase.execute("UPDATE payment SET next_attempt_at = now() WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then()
                .body("cancelSettlement", Matchers.equalTo("PENDING"));
        assertEquals(4044, dayTotalOf(paymentId));

        TestDatabase.execute("UPDATE payment SET created_at = created_at - interval '31 seconds', next_attempt_at = "
                + "now() WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        as(shop.tillA()).get("/v1/merchant/payments/" + orderId).then().body("status", Matchers.equalTo("CANCELED"))
                .body("cancelSettlement", Matchers.equalTo("NOTHING_CHARGED"));
        assertEquals(0, reversalsOf(paymentId).size());
        assertEquals(0, dayTotalOf(paymentId));
    }

    /** A payment left pending: wallet-service answers after the call's 1 s timeout. */
    private static String pendingPayment(String payload) {
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.kind", equalTo("payment")))
                .willReturn(FakeWallet.json(201, "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500)));
        try {
            return pay(customer(), UUID.randomUUID().toString(), payload, null).statusCode(202)
                    .body("status", Matchers.equalTo("PENDING")).extract().path("paymentId");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
    }

    @Test
    void theReceiptOfAPaymentFollowsWhenNotificationServiceIsBackAndThePaymentNeverWaitsForIt() {
        FakeNotificationService.setUp(false);
        Paid paid;
        try {
            paid = paid(150);
            Eventually.until("the relay tried and was refused", Duration.ofSeconds(20),
                    () -> TestDatabase.count("SELECT count(*) FROM kessai_outbox WHERE event_id = 'pay:"
                            + paid.paymentId() + ":completed' AND attempts > 0") == 1);
        } finally {
            FakeNotificationService.setUp(true);
        }
        Eventually.until("the receipt follows", Duration.ofSeconds(20), () -> FakeNotificationService.accepted()
                .stream().anyMatch(event -> event.contains("pay:" + paid.paymentId() + ":completed")));
    }
}
