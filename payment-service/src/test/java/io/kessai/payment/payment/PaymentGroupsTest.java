package io.kessai.payment.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.kessai.common.batch.Groups;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.problem.ProblemException;
import io.kessai.payment.merchant.Payee;
import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.qr.MpmCode;
import io.kessai.payment.qr.MpmCodec;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Group commit of payments ({@link PaymentGroups}): a group made by the test, so exactly these payments share one
 * recording transaction, one wallet-service batch and one settling transaction, and each is still judged alone. The
 * same resources as {@link PaymentFlowTest}, so the two share one Quarkus start.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class PaymentGroupsTest {

    @Inject
    PaymentGroups groups;

    @Inject
    MpmCodec codec;

    @Inject
    Pool pool;

    @AfterEach
    void healthyWallet() {
        FakeWallet.server().resetMappings();
        FakeWallet.stubDefaults();
    }

    private PaymentGroups.Draft draft(String payload, Long typed, UUID customerAccount) {
        MpmCode code = codec.decode(payload);
        Payee payee = pool.preparedQuery("SELECT " + Payee.COLUMNS + " FROM store s JOIN merchant m "
                + "ON m.id = s.merchant_id WHERE s.id = $1")
                .execute(Tuple.of(UUID.fromString(code.merchantReference())))
                .map(rows -> Payee.of(rows.iterator().next())).await().indefinitely();
        String key = UUID.randomUUID().toString();
        long amount = code.kind() == MpmCode.Kind.DYNAMIC ? code.amountYen() : typed;
        return new PaymentGroups.Draft(TimeOrderedUuid.next(), "cust-" + UUID.randomUUID(), key, "digest-" + key, code,
                payee, amount, customerAccount, FakeWallet.MERCHANT_ACCOUNT,
                Instant.now().truncatedTo(ChronoUnit.MICROS), MoneyMovement.Actor.UNKNOWN);
    }

    private static PaymentGroups.Draft underKey(PaymentGroups.Draft draft, String customerId, String key) {
        return new PaymentGroups.Draft(draft.id(), customerId, key, draft.sha256(), draft.code(), draft.payee(),
                draft.amount(), draft.customerAccount(), draft.merchantAccount(), draft.at(), draft.actor());
    }

    private static String storeCode(String till) {
        return PaymentFlowTest.as(till).get("/v1/store-code").then().statusCode(200).extract().path("payload");
    }

    private static long dayTotal(String customerId) {
        return TestDatabase.count("SELECT coalesce(sum(total), 0) FROM customer_day_total WHERE customer_id = '"
                + customerId + "'");
    }

    private static String status(UUID paymentId) {
        return TestDatabase.queryText("SELECT status FROM payment WHERE id = '" + paymentId + "'");
    }

    private static List<LoggedRequest> batches() {
        return FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers/batch")));
    }

    private static String problemCode(Groups.Answer<PaymentView> answer) {
        return assertInstanceOf(ProblemException.class, answer.failure()).code();
    }

    @Test
    void eachPaymentOfAGroupIsJudgedAloneAndTheGroupSharesOneWalletBatch() {
        PaymentFlowTest.Shop shop = PaymentFlowTest.shop();
        String staticCode = storeCode(shop.tillA());
        String orderId = "order-" + UUID.randomUUID();
        String orderCode = PaymentFlowTest.order(shop.tillA(), orderId, 880).getString("payload");
        int batchesBefore = batches().size();

        PaymentGroups.Draft paid = draft(staticCode, 500L, FakeWallet.CUSTOMER_ACCOUNT);
        PaymentGroups.Draft order = draft(orderCode, null, FakeWallet.CUSTOMER_ACCOUNT);
        PaymentGroups.Draft sameOrder = draft(orderCode, null, FakeWallet.CUSTOMER_ACCOUNT);
        PaymentGroups.Draft overTheDay = draft(staticCode, 700L, FakeWallet.CUSTOMER_ACCOUNT);
        TestDatabase.execute("INSERT INTO customer_day_total (customer_id, day, total) VALUES ('"
                + overTheDay.customerId() + "', (now() AT TIME ZONE 'Asia/Tokyo')::date, 999500)");
        PaymentGroups.Draft empty = draft(staticCode, 300L, FakeWallet.EMPTY_ACCOUNT);
        // A key a request of its own already used: this draft loses the race to it.
        PaymentGroups.Draft first = draft(staticCode, 200L, FakeWallet.CUSTOMER_ACCOUNT);
        assertNull(groups.post(List.of(first)).await().indefinitely().getFirst().failure());
        PaymentGroups.Draft again = underKey(draft(staticCode, 200L, FakeWallet.CUSTOMER_ACCOUNT), first.customerId(),
                first.key());

        List<PaymentGroups.Draft> group = List.of(paid, order, sameOrder, overTheDay, empty, again);
        List<Groups.Answer<PaymentView>> answers = groups.post(group).await().indefinitely();

        assertEquals("COMPLETED", answers.get(0).value().status());
        assertEquals("COMPLETED", answers.get(1).value().status());
        assertEquals(orderId, answers.get(1).value().merchantPaymentId());
        assertEquals("order-already-paid", problemCode(answers.get(2)), "one payment per order, even in one group");
        assertEquals("daily-limit-exceeded", problemCode(answers.get(3)));
        assertEquals("FAILED", answers.get(4).value().status());
        assertEquals("insufficient-funds", answers.get(4).value().failure().code());
        assertInstanceOf(PaymentGroups.LostRace.class, answers.get(5).failure());

        // The rows: two completed, one failed, nothing for the refused or the race's loser.
        assertEquals("completed", status(paid.id()));
        assertEquals("completed", status(order.id()));
        assertEquals("failed", status(empty.id()));
        for (PaymentGroups.Draft none : List.of(sameOrder, overTheDay, again)) {
            assertNull(status(none.id()), "a refused payment leaves no row");
        }
        assertEquals(order.id().toString(), TestDatabase.queryText("SELECT payment_id::text FROM order_code WHERE "
                + "merchant_payment_id = '" + orderId + "' AND status = 'paid'"));
        // The day's totals: counted for what completed, given back for the failed, untouched for the refused, and the
        // race's loser did not count twice.
        assertEquals(500, dayTotal(paid.customerId()));
        assertEquals(880, dayTotal(order.customerId()));
        assertEquals(0, dayTotal(sameOrder.customerId()));
        assertEquals(999500, dayTotal(overTheDay.customerId()));
        assertEquals(0, dayTotal(empty.customerId()));
        assertEquals(200, dayTotal(first.customerId()));
        // Receipts for the completed ones only: handed over (the settling commit wakes the relay), and none for the
        // failed one, neither handed over nor waiting in the outbox.
        for (PaymentGroups.Draft completed : List.of(paid, order)) {
            String eventId = "pay:" + completed.id() + ":completed";
            Eventually.until("the receipt " + eventId + " is handed over", Duration.ofSeconds(20),
                    () -> FakeNotificationService.accepted().stream().anyMatch(body -> body.contains(eventId)));
        }
        String noReceipt = "pay:" + empty.id() + ":";
        assertEquals(0, FakeNotificationService.attempts().stream().filter(body -> body.contains(noReceipt)).count());
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM kessai_outbox WHERE event_id LIKE '" + noReceipt
                + "%'"));

        // One batch to wallet-service, with the three transfers that got that far, each keyed by its payment.
        List<LoggedRequest> sent = batches();
        assertEquals(batchesBefore + 1, sent.size());
        List<String> keys = new ArrayList<>();
        new JsonObject(sent.getLast().getBodyAsString()).getJsonArray("transfers")
                .forEach(item -> keys.add(((JsonObject) item).getString("idempotencyKey")));
        assertEquals(List.of(paid.id().toString(), order.id().toString(), empty.id().toString()), keys);
    }

    @Test
    void aBatchThatCannotHavePostedTakesBackEveryPaymentOfTheGroup() {
        PaymentFlowTest.Shop shop = PaymentFlowTest.shop();
        String staticCode = storeCode(shop.tillB());
        String orderId = "order-" + UUID.randomUUID();
        String orderCode = PaymentFlowTest.order(shop.tillB(), orderId, 640).getString("payload");
        // wallet-service refuses the batch as a whole (a 4xx): nothing of it was posted.
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers/batch")).atPriority(1)
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"type\":\"https://kessai.io/problems/validation-failed\",\"status\":400}")));
        PaymentGroups.Draft a = draft(staticCode, 100L, FakeWallet.CUSTOMER_ACCOUNT);
        PaymentGroups.Draft b = draft(orderCode, null, FakeWallet.CUSTOMER_ACCOUNT);

        List<Groups.Answer<PaymentView>> answers = groups.post(List.of(a, b)).await().indefinitely();

        for (Groups.Answer<PaymentView> answer : answers) {
            ProblemException unavailable = assertInstanceOf(ProblemException.class, answer.failure());
            assertEquals(503, unavailable.status());
        }
        assertNull(status(a.id()), "taken back: a retry under the same key starts afresh");
        assertNull(status(b.id()));
        assertEquals(0, dayTotal(a.customerId()));
        assertEquals(0, dayTotal(b.customerId()));
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM order_code WHERE merchant_payment_id = '" + orderId
                + "' AND payment_id IS NULL AND status = 'created'"), "the order can be paid again");
    }

    @Test
    void aPaymentThatBreaksTheGroupsStatementFailsAloneAndTheOthersAreRecordedWithoutIt() {
        PaymentFlowTest.Shop shop = PaymentFlowTest.shop();
        String staticCode = storeCode(shop.tillA());
        PaymentGroups.Draft good = draft(staticCode, 150L, FakeWallet.CUSTOMER_ACCOUNT);
        // A store the database does not have: its insert breaks the statement's foreign key, and so the whole group's.
        PaymentGroups.Draft broken = draft(staticCode, 160L, FakeWallet.CUSTOMER_ACCOUNT);
        Payee nowhere = new Payee(broken.payee().merchantId(), UUID.randomUUID(), broken.payee().merchantStatus(),
                true, broken.payee().displayName(), broken.payee().city(), broken.payee().categoryCode(),
                broken.payee().ledgerAccountId());
        broken = new PaymentGroups.Draft(broken.id(), broken.customerId(), broken.key(), broken.sha256(),
                broken.code(), nowhere, broken.amount(), broken.customerAccount(), broken.merchantAccount(),
                broken.at(), broken.actor());

        List<Groups.Answer<PaymentView>> answers = groups.post(List.of(good, broken)).await().indefinitely();

        assertEquals("COMPLETED", answers.get(0).value().status(), "recorded alone after the group failed");
        assertEquals("completed", status(good.id()));
        assertEquals(150, dayTotal(good.customerId()));
        assertInstanceOf(PgException.class, answers.get(1).failure(), "its own failure, the database's answer");
        assertNull(status(broken.id()));
        assertEquals(0, dayTotal(broken.customerId()), "its day total rolled back with it");
    }

    @Test
    void aTokenWalletServiceRefusesIsNeverTakenForARefusalOfThePayment() {
        PaymentFlowTest.Shop shop = PaymentFlowTest.shop();
        String staticCode = storeCode(shop.tillA());
        // wallet-service refuses this service's token (it expired on the way): it posted nothing.
        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"type\":\"https://kessai.io/problems/unauthorized\",\"status\":401,"
                                + "\"detail\":\"The bearer token is invalid, expired or not issued by Kessai.\"}")));
        PaymentGroups.Draft draft = draft(staticCode, 420L, FakeWallet.CUSTOMER_ACCOUNT);

        Groups.Answer<PaymentView> answer = groups.post(List.of(draft)).await().indefinitely().getFirst();

        ProblemException unavailable = assertInstanceOf(ProblemException.class, answer.failure());
        assertEquals(503, unavailable.status(), "not FAILED with payment-refused: a retry under the key may pay");
        assertNull(status(draft.id()));
        assertEquals(0, dayTotal(draft.customerId()));

        healthyWallet();
        assertEquals("COMPLETED", groups.post(List.of(draft)).await().indefinitely().getFirst().value().status(),
                "the same payment, sent again, completes");
    }
}
