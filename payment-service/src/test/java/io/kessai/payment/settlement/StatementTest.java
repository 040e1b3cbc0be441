package io.kessai.payment.settlement;

import static io.kessai.payment.payment.PaymentFlowTest.as;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.payment.PaymentFlowTest;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;

/**
 * Daily statements: a day's payments, refunds, cancels and fee with totals that match what was posted to the ledger,
 * JST day boundaries, the exact CSV, days not yet closed, and who may read which merchant's statement. Payments are
 * made through the API, then dated into a past business day in the database (the only way to make a closed day).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class StatementTest {

    static final LocalDate DAY = LocalDate.of(2026, 11, 30);

    /** A merchant with its owner's token (and a step-up token of the owner's) and a till. */
    record Owned(String owner, String merchantId, String till, String ownerStepUp) {
    }

    static Owned owned() {
        String ownerId = "owner-" + UUID.randomUUID();
        String owner = TestIssuer.tokens().token(ownerId, "merchant");
        String id = as(owner).header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("legalName", "株式会社かもめ食堂", "displayName", "かもめ食堂", "city", "Tokyo",
                        "categoryCode", "5812", "stores", List.of(Map.of("name", "Shibuya"))))
                .post("/v1/merchants").then().statusCode(201).extract().path("id");
        JsonPath approved = as(ops()).post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract()
                .jsonPath();
        String till = TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, approved.getString(
                "stores[0].id"), "T1");
        return new Owned(owner, id, till, TestIssuer.tokens().userToken(ownerId, "step-up", Instant.now(),
                "merchant"));
    }

    static String ops() {
        return TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops");
    }

    /** A completed payment of {@code amount} by a new customer, dated {@code at}; its id. */
    static String paid(Owned shop, String orderId, long amount, String at) {
        String payload = PaymentFlowTest.order(shop.till(), orderId, amount).getString("payload");
        String paymentId = PaymentFlowTest.pay(PaymentFlowTest.customer(), UUID.randomUUID().toString(), payload,
                null).statusCode(201).body("status", Matchers.equalTo("COMPLETED")).extract().path("paymentId");
        TestDatabase.execute("UPDATE payment SET completed_at = '" + at + "' WHERE id = '" + paymentId + "'");
        return paymentId;
    }

    static String refunded(Owned shop, String paymentId, String refundId, long amount, String at) {
        String id = as(shop.till()).body(Map.of("merchantRefundId", refundId, "paymentId", paymentId, "amount",
                Map.of("amount", amount, "currency", "JPY"))).post("/v1/merchant/refunds").then().statusCode(201)
                .extract().path("refundId");
        TestDatabase.execute("UPDATE refund SET completed_at = '" + at + "' WHERE id = '" + id + "'");
        return id;
    }

    static void canceled(Owned shop, String orderId, String paymentId, String at) {
        as(shop.till()).post("/v1/merchant/payments/" + orderId + "/cancel").then().statusCode(200)
                .body("payment.cancelSettlement", Matchers.equalTo("REVERSED"));
        TestDatabase.execute("UPDATE payment SET cancel_settled_at = '" + at + "' WHERE id = '" + paymentId
                + "'");
    }

    static io.restassured.response.ValidatableResponse statement(String token, String merchantId, String day) {
        return given().auth().oauth2(token).get("/v1/merchants/" + merchantId + "/statements/" + day).then();
    }

    @Test
    void aDaysStatementListsItsPaymentsRefundsCancelsAndFeeWithTotalsThatMatchTheLedger() {
        Owned shop = owned();
        String big = paid(shop, "order-big", 10_000, "2026-11-30T09:15:00+09:00");
        paid(shop, "order-mid", 2_000, "2026-11-30T12:00:00+09:00");
        String small = paid(shop, "order-small", 500, "2026-11-30T18:30:00+09:00");
        String refund = refunded(shop, big, "refund-1", 1_000, "2026-11-30T20:00:00+09:00");
        canceled(shop, "order-small", small, "2026-11-30T18:31:00+09:00");

        JsonPath json = statement(shop.owner(), shop.merchantId(), "2026-11-30").statusCode(200)
                .body("businessDate", Matchers.equalTo("2026-11-30")).body("timeZone", Matchers.equalTo("Asia/Tokyo"))
                .body("currency", Matchers.equalTo("JPY")).extract().jsonPath();
        // Sales 12,500 - 1,000 - 500 = 11,000; fee floor(11,000 x 1.98 %) = floor(217.8) = 217.
        assertEquals(12_500, json.getLong("totals.gross"));
        assertEquals(1_000, json.getLong("totals.refunds"));
        assertEquals(500, json.getLong("totals.cancels"));
        assertEquals(217, json.getLong("totals.fees"));
        assertEquals(10_783, json.getLong("totals.net"));
        assertEquals(3, json.getInt("totals.payments"));
        assertEquals(List.of("payment", "payment", "payment", "cancel", "refund", "fee"),
                json.getList("lines.type"));
        assertEquals(List.of(10_000, 2_000, 500, -500, -1_000, -217), json.getList("lines.amount"));
        assertEquals(json.getLong("totals.net"), json.getList("lines.amount", Long.class).stream()
                .mapToLong(Long::longValue).sum(), "the lines add up to the net");
        assertEquals("2026-11-30T09:15:00+09:00", json.getString("lines[0].at"));
        assertEquals("cancel:" + small, json.getString("lines[3].transfer"));

        // The ledger: each line names the transfer that moved its money, with the same amount.
        assertEquals(TestDatabase.queryText("SELECT transfer_id::text FROM payment WHERE id = '" + big + "'"),
                json.getString("lines[0].transfer"));
        JsonObject refundTransfer = new JsonObject(PaymentFlowTest.transfersUnder(refund).getFirst()
                .getBodyAsString());
        assertEquals(1_000, refundTransfer.getJsonArray("legs").getJsonObject(0).getLong("amount"));
        assertEquals(TestDatabase.queryText("SELECT transfer_id::text FROM refund WHERE id = '" + refund + "'"),
                json.getString("lines[4].transfer"));
        assertEquals(1, FakeWallet.server().findAll(com.github.tomakehurst.wiremock.client.WireMock
                .postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(
                        "/v1/internal/transfers/[^/]+/reversals"))
                .withHeader("Idempotency-Key", com.github.tomakehurst.wiremock.client.WireMock.equalTo("cancel:"
                        + small)))
                .size(), "the cancel is one reversal");

        // Ops read the same statement.
        given().auth().oauth2(ops()).get("/v1/ops/merchants/" + shop.merchantId() + "/statements/2026-11-30").then()
                .statusCode(200).body("totals.net", Matchers.equalTo(10_783));
    }

    @Test
    void aBusinessDayEndsAtMidnightInJapan() {
        Owned shop = owned();
        paid(shop, "order-late", 700, "2026-11-29T23:59:59.999+09:00");
        paid(shop, "order-early", 300, "2026-11-30T00:00:00+09:00");
        // 2026-11-30T00:00 JST is 2026-11-29T15:00 UTC: still the 29th in UTC, the 30th in Japan.
        paid(shop, "order-utc", 50, "2026-11-30T14:59:59Z");
        statement(shop.owner(), shop.merchantId(), "2026-11-29").statusCode(200)
                .body("totals.gross", Matchers.equalTo(700)).body("lines[0].amount", Matchers.equalTo(700))
                .body("totals.fees", Matchers.equalTo(13));
        statement(shop.owner(), shop.merchantId(), "2026-11-30").statusCode(200)
                .body("totals.gross", Matchers.equalTo(350)).body("totals.payments", Matchers.equalTo(2))
                .body("lines[1].at", Matchers.equalTo("2026-11-30T23:59:59+09:00"));
        statement(shop.owner(), shop.merchantId(), "2026-12-01").statusCode(200)
                .body("totals.gross", Matchers.equalTo(0)).body("totals.net", Matchers.equalTo(0))
                .body("lines", Matchers.empty());
    }

    @Test
    void theCsvIsExact() {
        Owned shop = owned();
        String payment = paid(shop, "order-csv", 1_234, "2026-11-30T10:00:00+09:00");
        String refund = refunded(shop, payment, "refund-csv", 234, "2026-11-30T11:30:00.5+09:00");
        String transfer = TestDatabase.queryText("SELECT transfer_id::text FROM payment WHERE id = '" + payment
                + "'");
        String refundTransfer = TestDatabase.queryText("SELECT transfer_id::text FROM refund WHERE id = '" + refund
                + "'");
        String store = TestDatabase.queryText("SELECT store_id::text FROM payment WHERE id = '" + payment + "'");
        String csv = given().auth().oauth2(shop.owner())
                .get("/v1/merchants/" + shop.merchantId() + "/statements/2026-11-30.csv").then().statusCode(200)
                .contentType("text/csv; charset=UTF-8; header=present")
                .header("Content-Disposition", "attachment; filename=\"statement-" + shop.merchantId()
                        + "-2026-11-30.csv\"")
                .extract().asString();
        // Sales 1,000: fee floor(19.8) = 19.
        assertEquals("business_date,type,id,payment_id,store_id,reference,amount,currency,at,transfer\r\n"
                + "2026-11-30,payment," + payment + "," + payment + "," + store + ",order-csv,1234,JPY,"
                + "2026-11-30T10:00:00+09:00," + transfer + "\r\n"
                + "2026-11-30,refund," + refund + "," + payment + "," + store + ",refund-csv,-234,JPY,"
                + "2026-11-30T11:30:00.5+09:00," + refundTransfer + "\r\n"
                + "2026-11-30,fee,,,,,-19,JPY,,\r\n"
                + "2026-11-30,total,,,,gross,1234,JPY,,\r\n"
                + "2026-11-30,total,,,,refunds,234,JPY,,\r\n"
                + "2026-11-30,total,,,,cancels,0,JPY,,\r\n"
                + "2026-11-30,total,,,,fees,19,JPY,,\r\n"
                + "2026-11-30,total,,,,net,981,JPY,,\r\n", csv);
    }

    @Test
    void aDayNotYetEndedInJapanHasNoStatementAndABadDateIsRefused() {
        Owned shop = owned();
        LocalDate today = LocalDate.now(Statements.JST);
        expectProblem(statement(shop.owner(), shop.merchantId(), today.toString()), 409, "business-day-open");
        expectProblem(statement(shop.owner(), shop.merchantId(), today.plusDays(1).toString()), 409,
                "business-day-open");
        expectProblem(given().auth().oauth2(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/statements/"
                + today + ".csv").then(), 409, "business-day-open");
        expectProblem(statement(shop.owner(), shop.merchantId(), "2026-13-01"), 400, "validation-failed")
                .body("errors[0].field", Matchers.equalTo("businessDate"));
        expectProblem(statement(shop.owner(), shop.merchantId(), "yesterday"), 400, "validation-failed");
        statement(shop.owner(), shop.merchantId(), today.minusDays(1).toString()).statusCode(200);
    }

    @Test
    void onlyItsOwnerAndOpsReadAMerchantsStatement() {
        Owned shop = owned();
        Owned other = owned();
        expectProblem(statement(other.owner(), shop.merchantId(), "2026-11-30"), 404, "merchant-not-found");
        expectProblem(given().auth().oauth2(other.owner()).get("/v1/merchants/" + shop.merchantId()
                + "/statements/2026-11-30.csv").then(), 404, "merchant-not-found");
        expectProblem(statement(other.owner(), UUID.randomUUID().toString(), "2026-11-30"), 404,
                "merchant-not-found");
        expectProblem(statement(PaymentFlowTest.customer(), shop.merchantId(), "2026-11-30"), 403, "forbidden");
        expectProblem(statement(shop.till(), shop.merchantId(), "2026-11-30"), 403, "forbidden");
        expectProblem(given().get("/v1/merchants/" + shop.merchantId() + "/statements/2026-11-30").then(), 401,
                "unauthorized");
        expectProblem(statement(shop.owner() + "x", shop.merchantId(), "2026-11-30"), 401, "unauthorized");
        expectProblem(given().auth().oauth2(shop.owner()).get("/v1/ops/merchants/" + shop.merchantId()
                + "/statements/2026-11-30").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(ops()).get("/v1/ops/merchants/" + UUID.randomUUID()
                + "/statements/2026-11-30").then(), 404, "merchant-not-found");
    }
}
