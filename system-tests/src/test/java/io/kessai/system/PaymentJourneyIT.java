package io.kessai.system;

import static io.kessai.system.StackMerchants.assertBalances;
import static io.kessai.system.StackMerchants.assertLedgerInvariantsHold;
import static io.kessai.system.StackMerchants.yen;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * The payment journey of issue 14 across the real processes: a customer signs up with 2FA and the wallet is funded; a
 * merchant owner signs up, applies, ops approve, and the owner (stepped up) makes a till credential; the till signs in
 * with it, opens its event stream and makes an order's dynamic code; the customer pays it; the till's stream brings
 * {@code payment.completed} and the till reads the payment by its own order id as COMPLETED; the till refunds part of
 * it; then the customer pays the till's static store code with a typed amount. Both balances are checked after every
 * step that moves money, and the ledger's invariants at the end.
 */
@ExtendWith(RunningStack.class)
class PaymentJourneyIT {

    private static final long FUNDING = 20_000;
    private static final long ORDER = 1_500;
    private static final long REFUND = 400;
    private static final long TYPED = 730;

    @Test
    void aCustomerPaysATillsCodesTheTillHearsOfItAndRefundsPartOfIt() throws Exception {
        StackUsers.User customer = StackUsers.customer();
        StackMerchants.fund(customer.userId(), FUNDING);
        StackUsers.User owner = StackUsers.merchantOwner();
        StackMerchants.Merchant merchant = StackMerchants.approved(owner, "Kamome Shokudo");
        assertBalances("after the top-up", customer, FUNDING, merchant, 0);

        String tillToken = StackMerchants.tillToken(owner, merchant);
        try (EventStream tillStream = EventStream.open(URI.create(url(Service.NOTIFICATION) + "/v1/streams/merchant"),
                tillToken)) {
            // The till makes an order's code; the customer scans and pays it, the amount coming from the code.
            String order = "order-" + UUID.randomUUID().toString().substring(0, 8);
            String orderPayload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(tillToken)
                    .contentType(ContentType.JSON)
                    .body(Map.of("merchantPaymentId", order, "amount", yen(ORDER)))
                    .post("/v1/codes").then().statusCode(201).body("status", equalTo("CREATED"))
                    .body("merchantPaymentId", equalTo(order)).extract().path("payload");
            JsonPath paid = StackMerchants.pay(customer, Map.of("payload", orderPayload));
            String orderPaymentId = paid.getString("paymentId");
            assertEquals(order, paid.getString("merchantPaymentId"));
            assertEquals(merchant.displayName(), paid.getString("merchantName"));
            assertBalances("after paying the order", customer, FUNDING - ORDER, merchant, ORDER);

            EventStream.Event completed = tillStream.next("payment.completed", Duration.ofSeconds(60));
            assertEquals(orderPaymentId, completed.data().getString("data.paymentId"));
            assertEquals(order, completed.data().getString("data.merchantPaymentId"));
            assertEquals(ORDER, completed.data().getLong("data.amount.amount"));
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(tillToken).get("/v1/merchant/payments/" + order)
                    .then().statusCode(200).body("status", equalTo("COMPLETED"))
                    .body("paymentId", equalTo(orderPaymentId)).body("amount.amount", equalTo((int) ORDER));

            // The merchant gives part of it back; it returns to the customer's wallet.
            String refundId = "refund-" + UUID.randomUUID().toString().substring(0, 8);
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(tillToken).contentType(ContentType.JSON)
                    .body(Map.of("merchantRefundId", refundId, "paymentId", orderPaymentId, "amount", yen(REFUND),
                            "reason", "one dish was out"))
                    .post("/v1/merchant/refunds").then().statusCode(201).body("status", equalTo("COMPLETED"))
                    .body("merchantRefundId", equalTo(refundId)).body("amount.amount", equalTo((int) REFUND));
            assertBalances("after the partial refund", customer, FUNDING - ORDER + REFUND, merchant,
                    ORDER - REFUND);
            EventStream.Event refunded = tillStream.next("payment.refunded", Duration.ofSeconds(60));
            assertEquals(refundId, refunded.data().getString("data.merchantRefundId"));
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(tillToken).get("/v1/merchant/payments/" + order)
                    .then().statusCode(200).body("refunded.amount", equalTo((int) REFUND))
                    .body("refundStatus", equalTo("PARTIALLY_REFUNDED"));

            // The till's static code: the customer types the amount.
            String storePayload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(tillToken)
                    .get("/v1/store-code").then().statusCode(200).body("payload", startsWith("000201010211"))
                    .extract().path("payload");
            String typedPaymentId = StackMerchants.pay(customer, Map.of("payload", storePayload, "amount", yen(TYPED)))
                    .getString("paymentId");
            assertBalances("after the static-code payment", customer, FUNDING - ORDER + REFUND - TYPED, merchant,
                    ORDER - REFUND + TYPED);
            EventStream.Event typed = tillStream.next("payment.completed", Duration.ofSeconds(60));
            assertEquals(typedPaymentId, typed.data().getString("data.paymentId"));
            assertEquals(TYPED, typed.data().getLong("data.amount.amount"));
        }
        assertLedgerInvariantsHold();
    }

    /**
     * Payments that arrive together are recorded, posted to the real wallet-service and settled in groups (one
     * payment per customer in a group, so several customers paying at once is what makes groups): every one completes
     * exactly once, and every yen lands where it should.
     */
    @Test
    void paymentsOfSeveralCustomersAtOnceAllCompleteAndEveryYenIsAccountedFor() throws Exception {
        int customers = 4;
        int each = 10;
        List<StackUsers.User> payers = new ArrayList<>();
        for (int i = 0; i < customers; i++) {
            StackUsers.User customer = StackUsers.customer();
            StackMerchants.fund(customer.userId(), FUNDING);
            payers.add(customer);
        }
        StackUsers.User owner = StackUsers.merchantOwner();
        StackMerchants.Merchant merchant = StackMerchants.approved(owner, "Lunch Rush");
        String storePayload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                .get("/v1/merchants/" + merchant.merchantId() + "/stores/" + merchant.storeId() + "/code")
                .then().statusCode(200).extract().path("payload");

        ExecutorService senders = Executors.newFixedThreadPool(customers * each);
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (int n = 0; n < each; n++) {
                for (StackUsers.User customer : payers) {
                    long amount = 100 + n;
                    sent.add(senders.submit(() -> StackMerchants.pay(customer, Map.of("payload", storePayload, "amount",
                            yen(amount))).getString("paymentId")));
                }
            }
            Set<String> paymentIds = new HashSet<>();
            for (Future<String> payment : sent) {
                paymentIds.add(payment.get(60, TimeUnit.SECONDS));
            }
            assertEquals(customers * each, paymentIds.size(), "each payment once, each with its own id");
        } finally {
            senders.shutdownNow();
        }
        // Each customer paid 100 + 101 + ... + 109 yen.
        long paidByEach = each * 100L + (long) each * (each - 1) / 2;
        for (StackUsers.User customer : payers) {
            assertEquals(FUNDING - paidByEach, StackMerchants.customerBalance(customer), customer.userId());
        }
        assertEquals(customers * paidByEach, StackMerchants.merchantBalance(merchant));
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                .get("/v1/merchants/" + merchant.merchantId() + "/payments?limit=100").then().statusCode(200)
                .body("items", hasSize(customers * each)).body("items.status", everyItem(equalTo("COMPLETED")));
        assertLedgerInvariantsHold();
    }

}
