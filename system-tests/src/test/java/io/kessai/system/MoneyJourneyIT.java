package io.kessai.system;

import static io.kessai.system.StackMerchants.assertLedgerInvariantsHold;
import static io.kessai.system.StackMerchants.customerBalance;
import static io.kessai.system.StackMerchants.merchantBalance;
import static io.kessai.system.StackMerchants.yen;
import static io.kessai.system.StackSmokeIT.opsToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.cpm.CodeShower;
import io.kessai.stack.Service;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * Part 2 of the money journey (issue 15) across the real processes, after {@link PaymentJourneyIT}'s: customer A adds
 * the sandbox card and tops up with a step-up; A's app gets a payment key and derives an offline code with
 * cpm-reference, which the merchant's till charges once (a second charge of the same code is refused); A sends money
 * to customer B by phone number, and both get their receipts; B pays the till's order code and the till refunds part
 * of it; the merchant's statement of that business day lists and totals it all, reconciled line by line to the
 * ledger; the day is paid out to the merchant's bank account, leaving its ledger account empty and the money in
 * payout clearing. Balances are asserted after every step that moves money, and the ledger's invariants at the end.
 *
 * <p><b>How the test gets a closed business day.</b> Statements and payouts exist only for business days (JST) that
 * have ended, and a test cannot wait for midnight. The journey's own rows are dated into a closed day in
 * payment-service's database ({@link #dateIntoClosedDay}), as payment-service's StatementTest does: its merchant's two
 * payments and one refund, and nothing else. That keeps the statement honest because a statement reads nothing but
 * those rows' completion times (the lines and totals come from payment-service's own rows; each line names the ledger
 * transfer that moved its money, and the reconciliation to the ledger goes by those transfers, not by the ledger
 * entries' times, which stay today's: docs/payments.md, "Reconciling to the ledger"). The day is then settled the way
 * ops settle a day the settlement job passed over ({@code POST /v1/ops/merchants/{id}/statements/{date}/settlement}):
 * the job settles only the latest day due, and this merchant registers its bank account days after its sales. No
 * clock is shifted, so the stack that every system test shares keeps the real time, and production code has no
 * test-only way in.
 *
 * <p><b>Which day, and the settlement job running alongside.</b> The journey's day is two days ago (JST): yesterday is
 * not yet due from 00:00 to 01:00 JST ({@code settle-after}, 1 h, answers {@code settlement-not-due}), two days ago
 * always is. The stack runs the job every 5 minutes on its own; it settles only {@code SettlementJob.dayToSettle()}
 * (yesterday from 01:00 JST, two days ago before), so it reaches the journey's day only between 00:00 and 01:00 JST,
 * and only once the bank account is registered, after the dating. If it does, it claims the same payout row (one per
 * merchant and day, unique in the database) and posts each step under the same payout-derived key, so the outcome is
 * the same payout, paid once. What it makes for yesterday is a payout of an empty statement, {@code skipped}, which
 * moves nothing.
 */
@ExtendWith(RunningStack.class)
class MoneyJourneyIT {

    private static final ZoneId JST = ZoneId.of("Asia/Tokyo");
    private static final String PROBLEMS = "https://kessai.io/problems/";
    /** The sandbox's card that approves (docs/payments.md, the sandbox cards). */
    private static final String SANDBOX_CARD = "4000000000000101";
    /** A sandbox bank account that is paid at once (9999001 to 9999004 are the ones that fail or time out). */
    private static final String BANK_ACCOUNT = "1234567";

    private static final long TOP_UP = 20_000;
    private static final long CPM = 1_280;
    private static final long P2P = 3_000;
    private static final long ORDER = 2_500;
    private static final long REFUND = 500;
    // Sales 1,280 + 2,500 - 500 = 3,280; fee floor(3,280 x 1.98 %) = floor(64.944) = 64; paid out 3,216.
    private static final long SALES = CPM + ORDER - REFUND;
    private static final long FEE = 64;
    private static final long NET = SALES - FEE;

    @Test
    void aCardTopUpPaysATillOfflineGoesOnByPhoneAndTheMerchantsDayIsStatedAndPaidOut() throws Exception {
        StackUsers.User a = StackUsers.customer();
        StackUsers.User b = StackUsers.customer();
        StackUsers.User owner = StackUsers.merchantOwner();
        StackMerchants.Merchant shop = StackMerchants.approved(owner, "Omusubi Ya");
        String till = StackMerchants.tillToken(owner, shop);
        URI customerStream = URI.create(url(Service.NOTIFICATION) + "/v1/streams/customer");
        try (EventStream aReceipts = EventStream.open(customerStream, a.accessToken());
                EventStream bReceipts = EventStream.open(customerStream, b.accessToken());
                EventStream tillEvents = EventStream.open(URI.create(url(Service.NOTIFICATION)
                        + "/v1/streams/merchant"), till)) {

            // 1. A adds the sandbox card and tops up: both need a fresh second factor.
            String stepUp = StackUsers.stepUp(a);
            Map<String, Object> card = Map.of("number", SANDBOX_CARD, "expiryMonth", 12, "expiryYear", 2031, "cvc",
                    "737");
            expectProblem(payment(a.accessToken()).body(card).post("/v1/cards"), 403, "step-up-required");
            String cardId = payment(stepUp).body(card).post("/v1/cards").then().statusCode(201)
                    .body("last4", equalTo("0101")).body("number", nullValue()).extract().path("id");
            String topUpKey = UUID.randomUUID().toString();
            Map<String, Object> topUp = Map.of("cardId", cardId, "amount", yen(TOP_UP));
            // A first card's top-up above 10,000 yen is held for a step-up; the same request with one completes it.
            String held = expectProblem(payment(a.accessToken()).header("Idempotency-Key", topUpKey).body(topUp)
                    .post("/v1/topups"), 403, "step-up-required").extract().header("Location");
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(a.accessToken()).get(held).then().statusCode(200)
                    .body("status", equalTo("HELD"));
            assertEquals(0, customerBalance(a), "nothing is credited while the top-up is held");
            String topUpId = payment(stepUp).header("Idempotency-Key", topUpKey).body(topUp).post("/v1/topups")
                    .then().statusCode(200).header("Idempotent-Replayed", "true").body("status", equalTo("COMPLETED"))
                    .extract().path("topupId");
            assertEquals("/v1/topups/" + topUpId, held);
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(a.accessToken()).get(held).then().statusCode(200)
                    .body("status", equalTo("COMPLETED")).body("cardId", equalTo(cardId))
                    .body("amount.amount", equalTo((int) TOP_UP));
            assertEquals(TOP_UP, customerBalance(a), "A's wallet after the top-up");
            assertEquals(List.of(TOP_UP), entries(walletOf(a), "topup").values().stream().toList(),
                    "one top-up entry in A's wallet");
            JsonPath topUpReceipt = aReceipts.next("topup.completed", Duration.ofSeconds(60)).data();
            assertEquals(topUpId, topUpReceipt.getString("data.topupId"));
            assertEquals(TOP_UP, topUpReceipt.getLong("data.amount.amount"));

            // 2. A's app gets a payment key and shows an offline code; the till charges it once.
            expectProblem(payment(a.accessToken()).post("/v1/payment-keys"), 403, "step-up-required");
            JsonPath key = payment(stepUp).post("/v1/payment-keys").then().statusCode(201)
                    .body("schemePrefix", equalTo("28")).extract().jsonPath();
            CodeShower app = new CodeShower(Base64.getUrlDecoder().decode(key.getString("secret")),
                    Integer.parseInt(key.getString("deviceReference")),
                    Duration.ofSeconds(key.getLong("stepSeconds")), 0);
            String code = app.next(Instant.now());
            String sale = "sale-" + UUID.randomUUID().toString().substring(0, 8);
            String chargeKey = UUID.randomUUID().toString();
            String cpmPaymentId = charge(till, chargeKey, code, sale).then().statusCode(201)
                    .body("status", equalTo("COMPLETED")).body("kind", equalTo("CPM"))
                    .body("merchantPaymentId", equalTo(sale)).body("amount.amount", equalTo((int) CPM))
                    .extract().path("paymentId");
            assertEquals(TOP_UP - CPM, customerBalance(a), "A's wallet after the offline payment");
            assertEquals(CPM, merchantBalance(shop), "the merchant's account after the offline payment");
            // The till's retry is the same payment; the same code charged again is refused and moves nothing.
            charge(till, chargeKey, code, sale).then().statusCode(200).header("Idempotent-Replayed", "true")
                    .body("paymentId", equalTo(cpmPaymentId));
            expectProblem(charge(till, UUID.randomUUID().toString(), code, sale + "-again"), 409, "cpm-code-used");
            assertEquals(TOP_UP - CPM, customerBalance(a), "A's wallet after the refused replay");
            assertEquals(CPM, merchantBalance(shop), "the merchant's account after the refused replay");
            assertEquals(cpmPaymentId, tillEvents.next("payment.completed", Duration.ofSeconds(60)).data()
                    .getString("data.paymentId"));
            JsonPath receipt = aReceipts.next("payment.completed", Duration.ofSeconds(60)).data();
            assertEquals(cpmPaymentId, receipt.getString("data.paymentId"));
            assertEquals(shop.displayName(), receipt.getString("data.merchantName"));

            // 3. A sends money to B by phone number; each gets a receipt.
            JsonPath sent = payment(a.accessToken()).header("Idempotency-Key", UUID.randomUUID().toString())
                    .body(Map.of("phone", b.phone(), "amount", yen(P2P), "message", "おむすび代"))
                    .post("/v1/p2p-transfers").then().statusCode(201).body("status", equalTo("COMPLETED"))
                    .body("direction", equalTo("SENT")).extract().jsonPath();
            String transferId = sent.getString("transferId");
            assertEquals(TOP_UP - CPM - P2P, customerBalance(a), "A's wallet after the transfer");
            assertEquals(P2P, customerBalance(b), "B's wallet after the transfer");
            given().baseUri(url(Service.PAYMENT)).auth().oauth2(b.accessToken()).get("/v1/p2p-transfers/"
                    + transferId).then().statusCode(200).body("direction", equalTo("RECEIVED"))
                    .body("status", equalTo("COMPLETED")).body("message", equalTo("おむすび代"));
            JsonPath sentReceipt = aReceipts.next("p2p.sent", Duration.ofSeconds(60)).data();
            assertEquals(transferId, sentReceipt.getString("data.transferId"));
            assertEquals(P2P, sentReceipt.getLong("data.amount.amount"));
            assertEquals(sent.getString("counterpartyName"), sentReceipt.getString("data.recipientName"));
            JsonPath receivedReceipt = bReceipts.next("p2p.received", Duration.ofSeconds(60)).data();
            assertEquals(transferId, receivedReceipt.getString("data.transferId"));
            assertEquals(P2P, receivedReceipt.getLong("data.amount.amount"));
            String senderName = receivedReceipt.getString("data.senderName");
            assertTrue(senderName.endsWith(a.phone().substring(a.phone().length() - 4)) && senderName.contains("*"),
                    "B is shown A's number masked: " + senderName);

            // B pays the till's order code with it, and the till gives part of it back: a statement with a refund.
            String order = "order-" + UUID.randomUUID().toString().substring(0, 8);
            String orderPayload = given().baseUri(url(Service.PAYMENT)).auth().oauth2(till)
                    .contentType(ContentType.JSON).body(Map.of("merchantPaymentId", order, "amount", yen(ORDER)))
                    .post("/v1/codes").then().statusCode(201).extract().path("payload");
            String orderPaymentId = StackMerchants.pay(b, Map.of("payload", orderPayload)).getString("paymentId");
            String refundReference = "refund-" + UUID.randomUUID().toString().substring(0, 8);
            String refundId = given().baseUri(url(Service.PAYMENT)).auth().oauth2(till).contentType(ContentType.JSON)
                    .body(Map.of("merchantRefundId", refundReference, "paymentId", orderPaymentId, "amount",
                            yen(REFUND), "reason", "one onigiri short"))
                    .post("/v1/merchant/refunds").then().statusCode(201).body("status", equalTo("COMPLETED"))
                    .extract().path("refundId");
            assertEquals(P2P - ORDER + REFUND, customerBalance(b), "B's wallet after paying and the refund");
            assertEquals(SALES, merchantBalance(shop), "the merchant's account after the day's sales");
            assertEquals(refundId, bReceipts.next("payment.refunded", Duration.ofSeconds(60)).data()
                    .getString("data.refundId"));

            // 4. Today's statement is not there yet; the day's, once it has closed, lists and totals it all.
            LocalDate today = LocalDate.now(JST);
            expectProblem(given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                    .get(statementPath(shop, today)), 409, "business-day-open");
            LocalDate day = today.minusDays(2);
            OffsetDateTime cpmAt = day.atTime(12, 4, 5).atZone(JST).toOffsetDateTime();
            OffsetDateTime orderAt = day.atTime(12, 31, 10).atZone(JST).toOffsetDateTime();
            OffsetDateTime refundAt = day.atTime(12, 48, 30).atZone(JST).toOffsetDateTime();
            dateIntoClosedDay(shop, Map.of(cpmPaymentId, cpmAt, orderPaymentId, orderAt), Map.of(refundId, refundAt));

            JsonPath statement = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                    .get(statementPath(shop, day)).then().statusCode(200)
                    .body("businessDate", equalTo(day.toString())).body("timeZone", equalTo("Asia/Tokyo"))
                    .body("currency", equalTo("JPY")).extract().jsonPath();
            assertEquals(CPM + ORDER, statement.getLong("totals.gross"));
            assertEquals(REFUND, statement.getLong("totals.refunds"));
            assertEquals(0, statement.getLong("totals.cancels"));
            assertEquals(FEE, statement.getLong("totals.fees"));
            assertEquals(NET, statement.getLong("totals.net"));
            assertEquals(2, statement.getInt("totals.payments"));
            assertEquals(1, statement.getInt("totals.refundCount"));
            assertEquals(List.of("payment", "payment", "refund", "fee"), statement.getList("lines.type"));
            assertEquals(List.of(cpmPaymentId, orderPaymentId, refundId), statement.getList("lines.id").subList(0, 3));
            assertEquals(List.of(sale, order, refundReference), statement.getList("lines.reference").subList(0, 3));
            assertEquals(List.of(CPM, ORDER, -REFUND, -FEE), statement.getList("lines.amount", Long.class));
            assertEquals(List.of(iso(cpmAt), iso(orderAt), iso(refundAt)),
                    statement.getList("lines.at").subList(0, 3));

            // Reconciled to the ledger: each line's transfer moved exactly its amount into or out of the merchant's
            // account, from or to the customer who paid, and the account moved by nothing else.
            String merchantAccount = merchantAccountOf(shop);
            List<String> transfers = statement.getList("lines.transfer", String.class).subList(0, 3);
            assertLeg(transfers.get(0), walletOf(a), merchantAccount, CPM);
            assertLeg(transfers.get(1), walletOf(b), merchantAccount, ORDER);
            assertLeg(transfers.get(2), merchantAccount, walletOf(b), REFUND);
            Map<String, Long> merchantEntries = entries(merchantAccount, null);
            assertEquals(Map.of(transfers.get(0), CPM, transfers.get(1), ORDER, transfers.get(2), -REFUND),
                    merchantEntries, "the merchant account's entries are the statement's lines");
            assertEquals(statement.getLong("totals.net") + statement.getLong("totals.fees"), merchantBalance(shop));

            String csv = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                    .get(statementPath(shop, day) + ".csv").then().statusCode(200)
                    .contentType("text/csv; charset=UTF-8; header=present").extract().asString();
            String store = shop.storeId();
            assertEquals("business_date,type,id,payment_id,store_id,reference,amount,currency,at,transfer\r\n"
                    + day + ",payment," + cpmPaymentId + "," + cpmPaymentId + "," + store + "," + sale + "," + CPM
                    + ",JPY," + iso(cpmAt) + "," + transfers.get(0) + "\r\n"
                    + day + ",payment," + orderPaymentId + "," + orderPaymentId + "," + store + "," + order + ","
                    + ORDER + ",JPY," + iso(orderAt) + "," + transfers.get(1) + "\r\n"
                    + day + ",refund," + refundId + "," + orderPaymentId + "," + store + "," + refundReference + ",-"
                    + REFUND + ",JPY," + iso(refundAt) + "," + transfers.get(2) + "\r\n"
                    + day + ",fee,,,,,-" + FEE + ",JPY,,\r\n"
                    + day + ",total,,,,gross," + (CPM + ORDER) + ",JPY,,\r\n"
                    + day + ",total,,,,refunds," + REFUND + ",JPY,,\r\n"
                    + day + ",total,,,,cancels,0,JPY,,\r\n"
                    + day + ",total,,,,fees," + FEE + ",JPY,,\r\n"
                    + day + ",total,,,,net," + NET + ",JPY,,\r\n", csv);

            // 5. The owner registers the bank account only now, so the job never settled the day: ops do. Where
            // the money goes needs the owner's fresh second factor.
            String ownerPath = "/v1/merchants/" + shop.merchantId();
            Map<String, Object> bankAccount = Map.of("bankCode", "0005", "branchCode", "123", "accountType",
                    "ordinary", "accountNumber", BANK_ACCOUNT, "holderName", "カ)オムスビヤ");
            expectProblem(payment(owner.accessToken()).body(bankAccount).put(ownerPath + "/bank-account"), 403,
                    "step-up-required");
            payment(StackUsers.stepUp(owner)).body(bankAccount).put(ownerPath + "/bank-account").then()
                    .statusCode(200).body("version", equalTo(1));
            String settlement = opsSettlementPath(shop, day);
            expectProblem(payment(opsToken()).post(opsSettlementPath(shop, today)), 409,
                    "business-day-open");
            long clearingBefore = systemBalance("payout-clearing");
            long feesBefore = systemBalance("fees");
            JsonPath payout = payment(opsToken()).post(settlement).then().statusCode(200)
                    .body("status", equalTo("paid")).body("businessDate", equalTo(day.toString()))
                    .body("accountNumber", equalTo(BANK_ACCOUNT)).extract().jsonPath();
            String payoutId = payout.getString("id");
            assertEquals(CPM + ORDER, payout.getLong("gross"));
            assertEquals(REFUND, payout.getLong("refunds"));
            assertEquals(FEE, payout.getLong("fee"));
            assertEquals(NET, payout.getLong("amount"));
            assertEquals("sandbox-" + payoutId, payout.getString("gatewayReference"));
            assertNull(payout.getString("returnTransferId"), "the bank took it: nothing came back");
            // Asked again (as the job may, too): the same payout, nothing moved twice.
            payment(opsToken()).post(settlement).then().statusCode(200).body("id", equalTo(payoutId))
                    .body("status", equalTo("paid"));
            JsonPath payouts = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                    .get(ownerPath + "/payouts").then().statusCode(200).extract().jsonPath();
            assertEquals(List.of(payoutId), payouts.getList("findAll { it.businessDate == '" + day + "' }.id"));
            List<Object> otherDays = payouts.getList("findAll { it.businessDate != '" + day + "' }.status");
            assertTrue(otherDays.stream().allMatch("skipped"::equals),
                    "another day's payout (the job's of yesterday) moves nothing: " + otherDays);

            // The merchant's account is empty: the fee went to fees, the rest to payout clearing for the bank.
            assertEquals(0, merchantBalance(shop), "the merchant's account after the payout");
            assertLeg(payout.getString("feeTransferId"), merchantAccount, systemAccount("fees"), FEE);
            assertLeg(payout.getString("payoutTransferId"), merchantAccount, systemAccount("payout-clearing"), NET);
            assertEquals(clearingBefore + NET, systemBalance("payout-clearing"), "payout clearing holds the payout");
            assertEquals(feesBefore + FEE, systemBalance("fees"), "fees hold the day's fee");
            assertEquals(NET, entries(systemAccount("payout-clearing"), "payout").get(payout.getString(
                    "payoutTransferId")), "payout clearing's entry of this payout");
            Map<String, Long> after = new HashMap<>(merchantEntries);
            after.put(payout.getString("feeTransferId"), -FEE);
            after.put(payout.getString("payoutTransferId"), -NET);
            assertEquals(after, entries(merchantAccount, null), "the merchant account moved by the payout alone");
        }
        assertEquals(TOP_UP - CPM - P2P, customerBalance(a), "A's wallet at the end");
        assertEquals(P2P - ORDER + REFUND, customerBalance(b), "B's wallet at the end");
        assertLedgerInvariantsHold();
    }

    /**
     * Dates this journey's payments and refunds (by id, only of its own merchant, only completed ones) as completed at
     * the given times of a closed business day, keeping how long each took to complete. The statement reads these
     * completion times and nothing else that this changes.
     */
    private static void dateIntoClosedDay(StackMerchants.Merchant shop, Map<String, OffsetDateTime> payments,
            Map<String, OffsetDateTime> refunds) throws SQLException {
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + RunningStack.stack().postgresPort() + "/" + Service.PAYMENT.database(), "postgres", "")) {
            date(db, "payment", shop, payments);
            date(db, "refund", shop, refunds);
        }
    }

    private static void date(Connection db, String table, StackMerchants.Merchant shop,
            Map<String, OffsetDateTime> completedAt) throws SQLException {
        try (PreparedStatement date = db.prepareStatement("UPDATE " + table + " SET created_at = ?::timestamptz - "
                + "(completed_at - created_at), completed_at = ?::timestamptz WHERE id = ?::uuid AND merchant_id = "
                + "?::uuid AND status = 'completed'")) {
            for (Map.Entry<String, OffsetDateTime> row : completedAt.entrySet()) {
                date.setString(1, row.getValue().toString());
                date.setString(2, row.getValue().toString());
                date.setString(3, row.getKey());
                date.setString(4, shop.merchantId());
                assertEquals(1, date.executeUpdate(), table + " " + row.getKey() + " dated " + row.getValue());
            }
        }
    }

    private static String iso(OffsetDateTime at) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at);
    }

    private static String statementPath(StackMerchants.Merchant shop, LocalDate day) {
        return "/v1/merchants/" + shop.merchantId() + "/statements/" + day;
    }

    private static String opsSettlementPath(StackMerchants.Merchant shop, LocalDate day) {
        return "/v1/ops/merchants/" + shop.merchantId() + "/statements/" + day + "/settlement";
    }

    private static io.restassured.response.Response charge(String till, String idempotencyKey, String code,
            String merchantPaymentId) {
        return payment(till).header("Idempotency-Key", idempotencyKey)
                .body(Map.of("code", code, "amount", yen(CPM), "merchantPaymentId", merchantPaymentId))
                .post("/v1/cpm-payments");
    }

    private static RequestSpecification payment(String token) {
        return given().baseUri(url(Service.PAYMENT)).auth().oauth2(token).contentType(ContentType.JSON);
    }

    /** Asserts the problem's status and exact {@code type}. */
    private static io.restassured.response.ValidatableResponse expectProblem(io.restassured.response.Response answer,
            int status, String code) {
        return answer.then().statusCode(status).contentType("application/problem+json")
                .body("type", equalTo(PROBLEMS + code));
    }

    private static RequestSpecification ledger() {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(opsToken());
    }

    private static String walletOf(StackUsers.User customer) {
        return ledger().get("/v1/internal/accounts/customers/" + customer.userId()).then().statusCode(200)
                .extract().path("[0].id");
    }

    private static String merchantAccountOf(StackMerchants.Merchant merchant) {
        return ledger().get("/v1/internal/accounts/merchants/" + merchant.merchantId()).then().statusCode(200)
                .extract().path("[0].id");
    }

    private static String systemAccount(String code) {
        return ledger().get("/v1/internal/accounts/system/" + code).then().statusCode(200).extract().path("id");
    }

    private static long systemBalance(String code) {
        return ledger().get("/v1/internal/accounts/" + systemAccount(code)).then().statusCode(200).extract()
                .<Number>path("balance.amount").longValue();
    }

    /** Asserts that the ledger transfer {@code id} has one leg, {@code amount} from {@code from} to {@code to}. */
    private static void assertLeg(String id, String from, String to, long amount) {
        assertNotNull(id, "a transfer id");
        JsonPath transfer = ledger().get("/v1/internal/transfers/" + id).then().statusCode(200)
                .body("status", equalTo("posted")).extract().jsonPath();
        assertEquals(List.of(Map.of("from", from, "to", to, "amount", (int) amount)), transfer.getList("legs")
                .stream().map(leg -> {
                    Map<?, ?> fields = (Map<?, ?>) leg;
                    return Map.of("from", fields.get("from"), "to", fields.get("to"), "amount", fields.get("amount"));
                }).toList(), "the legs of transfer " + id);
    }

    /** An account's entries (of {@code kind}, or all), summed per transfer. */
    private static Map<String, Long> entries(String account, String kind) {
        RequestSpecification request = ledger().queryParam("limit", 200);
        if (kind != null) {
            request.queryParam("kind", kind);
        }
        JsonPath page = request.get("/v1/internal/accounts/" + account + "/entries").then().statusCode(200)
                .body("nextCursor", nullValue()).extract().jsonPath();
        Map<String, Long> byTransfer = new HashMap<>();
        for (Map<String, Object> item : page.<Map<String, Object>>getList("items")) {
            byTransfer.merge((String) item.get("transferId"), ((Number) ((Map<?, ?>) item.get("amount"))
                    .get("amount")).longValue(), Long::sum);
        }
        return byTransfer;
    }
}
