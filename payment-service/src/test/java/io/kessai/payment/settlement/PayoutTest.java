package io.kessai.payment.settlement;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.kessai.payment.payment.PaymentFlowTest.as;
import static io.kessai.payment.settlement.StatementTest.owned;
import static io.kessai.payment.settlement.StatementTest.paid;
import static io.kessai.payment.settlement.StatementTest.refunded;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.payment.PaymentFlowTest;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Payouts against the sandbox bank and a WireMock wallet-service: each test account's outcome (paid; refused, the
 * money returned by reversing the payout transfer; timed out and reconciled either way), one payout per merchant
 * and day however often the job runs, the fee then the payout as ledger transfers keyed by the payout, and the
 * owner's bank account registration with who may do what. The job is called directly (it is off in tests).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class PayoutTest {

    static final LocalDate DAY = StatementTest.DAY;

    @Inject
    Payouts payouts;

    @Inject
    SettlementJob job;

    /** A merchant with 10,000 of sales on DAY and a bank account with {@code accountNumber}. */
    static StatementTest.Owned withSales(String accountNumber) {
        StatementTest.Owned shop = owned();
        paid(shop, "order-1", 10_000, "2026-11-30T12:00:00+09:00");
        register(shop.ownerStepUp(), shop.merchantId(), accountNumber).statusCode(200);
        return shop;
    }

    static io.restassured.response.ValidatableResponse register(String token, String merchantId,
            String accountNumber) {
        return as(token).body(Map.of("bankCode", "0005", "branchCode", "123", "accountType", "ordinary",
                "accountNumber", accountNumber, "holderName", "カ)カモメシヨクドウ"))
                .put("/v1/merchants/" + merchantId + "/bank-account").then();
    }

    static List<LoggedRequest> transfersUnder(String key) {
        return PaymentFlowTest.transfersUnder(key);
    }

    static List<LoggedRequest> returnsOf(UUID payoutId) {
        return FakeWallet.server().findAll(postRequestedFor(urlPathMatching("/v1/internal/transfers/[^/]+/reversals"))
                .withHeader("Idempotency-Key", equalTo("payout-return:" + payoutId)));
    }

    static JsonObject leg(LoggedRequest request) {
        return new JsonObject(request.getBodyAsString()).getJsonArray("legs").getJsonObject(0);
    }

    Payouts.Payout settle(StatementTest.Owned shop) {
        return payouts.settle(UUID.fromString(shop.merchantId()), DAY).await().indefinitely();
    }

    @Test
    void aDayIsPaidOutOnceAsAFeeThenAPayoutToPayoutClearing() {
        StatementTest.Owned shop = withSales("1234567");
        Payouts.Payout payout = settle(shop);
        // Sales 10,000: fee floor(198.0) = 198; 9,802 paid out.
        assertEquals("paid", payout.status());
        assertEquals(198, payout.fee());
        assertEquals(9_802, payout.amount());
        assertEquals("sandbox-" + payout.id(), payout.gatewayReference());

        List<LoggedRequest> fee = transfersUnder("payout-fee:" + payout.id());
        assertEquals(1, fee.size());
        assertEquals("fee", new JsonObject(fee.getFirst().getBodyAsString()).getString("kind"));
        assertEquals(FakeWallet.MERCHANT_ACCOUNT.toString(), leg(fee.getFirst()).getString("from"));
        assertEquals(FakeWallet.FEES_ACCOUNT.toString(), leg(fee.getFirst()).getString("to"));
        assertEquals(198, leg(fee.getFirst()).getLong("amount"));
        List<LoggedRequest> out = transfersUnder("payout:" + payout.id());
        assertEquals(1, out.size());
        assertEquals("payout", new JsonObject(out.getFirst().getBodyAsString()).getString("kind"));
        assertEquals(FakeWallet.PAYOUT_CLEARING_ACCOUNT.toString(), leg(out.getFirst()).getString("to"));
        assertEquals(9_802, leg(out.getFirst()).getLong("amount"));
        // The statement's net is what left the merchant's account for the bank.
        StatementTest.statement(shop.owner(), shop.merchantId(), DAY.toString())
                .body("totals.net", Matchers.equalTo(9_802)).body("totals.fees", Matchers.equalTo(198));

        // Again, and by the job: the same payout, no transfer posted twice.
        assertEquals(payout.id(), settle(shop).id());
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM payout WHERE merchant_id = '" + shop.merchantId()
                + "'"));
        assertEquals(1, transfersUnder("payout-fee:" + payout.id()).size());
        assertEquals(1, transfersUnder("payout:" + payout.id()).size());
        as(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/payouts").then().statusCode(200)
                .body("[0].status", Matchers.equalTo("paid")).body("[0].amount", Matchers.equalTo(9_802))
                .body("[0].businessDate", Matchers.equalTo("2026-11-30")).body("size()", Matchers.equalTo(1));
    }

    @Test
    void aPayoutTheBankRefusesIsReversedSoTheMoneyIsTheMerchantsAgain() {
        for (String account : List.of(SandboxPayoutGateway.CLOSED, SandboxPayoutGateway.NAME_MISMATCH)) {
            StatementTest.Owned shop = withSales(account);
            Payouts.Payout payout = settle(shop);
            assertEquals("failed", payout.status());
            assertEquals(account.equals(SandboxPayoutGateway.CLOSED) ? "account-closed" : "holder-name-mismatch",
                    payout.failureCode());
            assertNotNull(payout.returnTransferId());
            List<LoggedRequest> returned = returnsOf(payout.id());
            assertEquals(1, returned.size(), "the payout transfer is reversed once");
            assertEquals("/v1/internal/transfers/" + payout.payoutTransferId() + "/reversals",
                    returned.getFirst().getUrl());
            // The fee stays charged: it is due on the day's sales.
            assertEquals(1, transfersUnder("payout-fee:" + payout.id()).size());
            assertEquals("failed", settle(shop).status());
            assertEquals(1, returnsOf(payout.id()).size());
        }
    }

    @Test
    void aPayoutWhoseOutcomeIsUnknownStaysPendingUntilTheBankSaysWhatBecameOfIt() {
        StatementTest.Owned paidLater = withSales(SandboxPayoutGateway.TIMEOUT_THEN_PAID);
        Payouts.Payout pending = settle(paidLater);
        assertEquals("pending", pending.status());
        assertEquals(1, pending.attempts());
        assertEquals(1, transfersUnder("payout:" + pending.id()).size());
        Payouts.Payout settled = payouts.reconcile(pending.id()).await().indefinitely();
        assertEquals("paid", settled.status());
        assertEquals(0, returnsOf(pending.id()).size());
        assertEquals(1, transfersUnder("payout:" + pending.id()).size(), "never posted twice");

        StatementTest.Owned failedLater = withSales(SandboxPayoutGateway.TIMEOUT_THEN_FAILED);
        Payouts.Payout unknown = settle(failedLater);
        assertEquals("pending", unknown.status());
        assertEquals(0, returnsOf(unknown.id()).size());
        Payouts.Payout failed = payouts.reconcile(unknown.id()).await().indefinitely();
        assertEquals("failed", failed.status());
        assertEquals("account-closed", failed.failureCode());
        assertEquals(1, returnsOf(unknown.id()).size());
    }

    @Test
    void aWalletOutageLeavesThePayoutPendingAndLosesNothing() {
        StatementTest.Owned shop = withSales("7654321");
        var outage = FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.kind",
                        equalTo("payout")))
                .willReturn(FakeWallet.json(503, "{\"status\":503}")));
        Payouts.Payout pending;
        try {
            pending = settle(shop);
        } finally {
            FakeWallet.server().removeStub(outage);
        }
        assertEquals("pending", pending.status());
        assertNotNull(pending.feeTransferId());
        assertNull(pending.payoutTransferId());
        assertNotNull(pending.lastError());
        Payouts.Payout paid = payouts.reconcile(pending.id()).await().indefinitely();
        assertEquals("paid", paid.status());
        assertEquals(1, transfersUnder("payout-fee:" + pending.id()).size(), "the fee is not charged twice");
    }

    @Test
    void nothingIsPaidWithoutABankAccountOrOnADayWithoutSales() {
        StatementTest.Owned none = owned();
        paid(none, "order-1", 1_000, "2026-11-30T12:00:00+09:00");
        assertNull(settle(none));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payout WHERE merchant_id = '" + none.merchantId()
                + "'"));

        // Refunds of earlier sales above the day's: nothing to pay, no fee, nothing moved.
        StatementTest.Owned refunds = owned();
        String earlier = paid(refunds, "order-1", 1_000, "2026-11-29T12:00:00+09:00");
        paid(refunds, "order-2", 300, "2026-11-30T12:00:00+09:00");
        refunded(refunds, earlier, "refund-1", 800, "2026-11-30T13:00:00+09:00");
        register(refunds.ownerStepUp(), refunds.merchantId(), "1234567").statusCode(200);
        Payouts.Payout skipped = settle(refunds);
        assertEquals("skipped", skipped.status());
        assertEquals(0, skipped.amount());
        assertEquals(0, skipped.fee());
        assertEquals(0, transfersUnder("payout:" + skipped.id()).size());
        assertEquals(0, transfersUnder("payout-fee:" + skipped.id()).size());
    }

    @Test
    void theJobPaysOutTheLastClosedDayOfEveryMerchantWithABankAccountOnce() {
        LocalDate day = job.dayToSettle();
        assertEquals(true, day.isBefore(LocalDate.now(Statements.JST)), "never a day that has not ended");
        StatementTest.Owned shop = owned();
        paid(shop, "order-1", 2_000, day.atTime(12, 0).atZone(Statements.JST).toOffsetDateTime().toString());
        register(shop.ownerStepUp(), shop.merchantId(), "1234567").statusCode(200);
        job.runOnce().await().indefinitely();
        job.runOnce().await().indefinitely();
        assertEquals("paid", TestDatabase.queryText("SELECT status FROM payout WHERE merchant_id = '"
                + shop.merchantId() + "' AND business_date = '" + day + "'"));
        assertEquals(1, TestDatabase.count("SELECT count(*) FROM payout WHERE merchant_id = '" + shop.merchantId()
                + "'"));
        assertEquals(2_000 - 39, TestDatabase.count("SELECT amount FROM payout WHERE merchant_id = '"
                + shop.merchantId() + "'"));
    }

    /**
     * The job settles only the latest day due; a merchant that registers its bank account days after its sales (or
     * is unfrozen) has those days settled by ops, exactly as the job settles, once per merchant and day.
     */
    @Test
    void opsSettleADayTheJobPassedOverOnceAsTheJobWould() {
        StatementTest.Owned shop = owned();
        paid(shop, "order-1", 10_000, "2026-11-30T12:00:00+09:00");
        String settlement = "/v1/ops/merchants/" + shop.merchantId() + "/statements/2026-11-30/settlement";
        expectProblem(as(StatementTest.ops()).post(settlement).then(), 404, "bank-account-not-found");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payout WHERE merchant_id = '" + shop.merchantId()
                + "'"));

        register(shop.ownerStepUp(), shop.merchantId(), "1234567").statusCode(200);
        String payoutId = as(StatementTest.ops()).post(settlement).then().statusCode(200)
                .body("status", Matchers.equalTo("paid")).body("businessDate", Matchers.equalTo("2026-11-30"))
                .body("gross", Matchers.equalTo(10_000)).body("fee", Matchers.equalTo(198))
                .body("amount", Matchers.equalTo(9_802)).extract().path("id");
        as(StatementTest.ops()).post(settlement).then().statusCode(200)
                .body("id", Matchers.equalTo(payoutId)).body("status", Matchers.equalTo("paid"));
        assertEquals(payoutId, settle(shop).id().toString(), "the job finds the same payout");
        assertEquals(1, transfersUnder("payout-fee:" + payoutId).size());
        assertEquals(1, transfersUnder("payout:" + payoutId).size());

        // Not a day whose statement may still change, not a frozen merchant, never by anyone but ops.
        LocalDate notDue = job.dayToSettle().plusDays(1);
        expectProblem(as(StatementTest.ops()).post("/v1/ops/merchants/" + shop.merchantId() + "/statements/"
                + notDue + "/settlement").then(), 409, notDue.isBefore(LocalDate.now(Statements.JST))
                        ? "settlement-not-due"
                        : "business-day-open");
        expectProblem(as(StatementTest.ops()).post("/v1/ops/merchants/" + shop.merchantId() + "/statements/"
                + LocalDate.now(Statements.JST) + "/settlement").then(), 409, "business-day-open");
        expectProblem(as(shop.owner()).post(settlement).then(), 403, "forbidden");
        expectProblem(as(shop.till()).post(settlement).then(), 403, "forbidden");
        expectProblem(as(StatementTest.ops()).post("/v1/ops/merchants/" + UUID.randomUUID()
                + "/statements/2026-11-30/settlement").then(), 404, "merchant-not-found");
        StatementTest.Owned frozen = withSales("1234567");
        as(StatementTest.ops()).body(Map.of("reason", "chargebacks under review"))
                .post("/v1/ops/merchants/" + frozen.merchantId() + "/freeze").then().statusCode(200);
        expectProblem(as(StatementTest.ops()).post("/v1/ops/merchants/" + frozen.merchantId()
                + "/statements/2026-11-30/settlement").then(), 409, "merchant-frozen");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payout WHERE merchant_id = '"
                + frozen.merchantId() + "'"));
    }

    @Test
    void onlyItsOwnerRegistersAMerchantsBankAccountAndABadOneIsRefused() {
        StatementTest.Owned shop = owned();
        StatementTest.Owned other = owned();
        expectProblem(as(shop.owner()).get("/v1/merchants/" + shop.merchantId() + "/bank-account").then(), 404,
                "bank-account-not-found");
        expectProblem(register(other.ownerStepUp(), shop.merchantId(), "1234567"), 404, "merchant-not-found");
        // The owner's ordinary session is not enough: where the money goes needs a fresh second factor.
        expectProblem(register(shop.owner(), shop.merchantId(), "1234567"), 403, "step-up-required");
        expectProblem(register(TestIssuer.tokens().userToken("owner-x", "step-up", Instant.now().minusSeconds(3600),
                "merchant"), shop.merchantId(), "1234567"), 403, "step-up-required");
        expectProblem(register(PaymentFlowTest.customer(), shop.merchantId(), "1234567"), 403, "forbidden");
        expectProblem(register(shop.till(), shop.merchantId(), "1234567"), 403, "forbidden");
        expectProblem(given().contentType("application/json").body("{}").put("/v1/merchants/" + shop.merchantId()
                + "/bank-account").then(), 401, "unauthorized");
        expectProblem(register(shop.ownerStepUp(), shop.merchantId(), "12345"), 400, "validation-failed")
                .body("errors[0].field", Matchers.containsString("accountNumber"));
        expectProblem(as(shop.ownerStepUp()).body("{\"bankCode\":").put("/v1/merchants/" + shop.merchantId()
                + "/bank-account").then(), 400, "malformed-body");
        expectProblem(as(shop.ownerStepUp()).body(Map.of("bankCode", "0005", "branchCode", "123", "accountType",
                "ordinary", "accountNumber", "1234567", "holderName", "<script>"))
                .put("/v1/merchants/" + shop.merchantId() + "/bank-account").then(), 400, "validation-failed");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM merchant_bank_account WHERE merchant_id = '"
                + shop.merchantId() + "'"));

        register(shop.ownerStepUp(), shop.merchantId(), "1234567").statusCode(200).body("version", Matchers.equalTo(1));
        register(shop.ownerStepUp(), shop.merchantId(), "1234567").statusCode(200).body("version", Matchers.equalTo(1));
        register(shop.ownerStepUp(), shop.merchantId(), "7654321").statusCode(200).body("version", Matchers.equalTo(2))
                .body("accountNumber", Matchers.equalTo("7654321"));
        expectProblem(as(other.owner()).get("/v1/merchants/" + shop.merchantId() + "/payouts").then(), 404,
                "merchant-not-found");
    }
}
