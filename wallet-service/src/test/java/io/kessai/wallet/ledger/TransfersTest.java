package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.asCustomer;
import static io.kessai.wallet.WalletApi.asOps;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.post;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.kessai.wallet.WalletApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class TransfersTest {

    String alice;
    String bob;
    String shop;
    String fees;

    @BeforeEach
    void accounts() {
        alice = openCustomer(unique("alice"));
        bob = openCustomer(unique("bob"));
        shop = openMerchant(unique("shop"));
        fees = systemAccount("fees");
        topUp(alice, 10_000);
    }

    @Test
    void paymentDebitsTheCustomerCreditsTheMerchantAndRecordsBalancedEntries() {
        String key = UUID.randomUUID().toString();
        post(key, transfer("payment", List.of(leg(alice, shop, 1_200))))
                .statusCode(201)
                .header("Idempotent-Replayed", nullValue())
                .body("kind", equalTo("payment"))
                .body("status", equalTo("posted"))
                .body("idempotencyKey", equalTo(key))
                .body("legs", hasSize(1))
                .body("entries", hasSize(2))
                .body("entries[0].accountId", equalTo(alice))
                .body("entries[0].amount", equalTo(-1200))
                .body("entries[0].subAccountBalanceAfter", equalTo(8800))
                .body("entries[1].accountId", equalTo(shop))
                .body("entries[1].amount", equalTo(1200));
        assertEquals(8_800, balance(alice));
        assertEquals(1_200, balance(shop));
        assertEquals(0, count("SELECT sum(amount) FROM entry WHERE transfer_id = (SELECT id FROM transfer "
                + "WHERE idempotency_key = '" + key + "')"));
    }

    @Test
    void theSameKeyAndBodyAnswersTheFirstResultAndMovesMoneyOnce() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = transfer("p2p", List.of(leg(alice, bob, 500)));
        String first = post(key, body).statusCode(201).extract().asString();
        String again = post(key, body).statusCode(201).header("Idempotent-Replayed", "true").extract().asString();
        assertEquals(first, again);
        assertEquals(9_500, balance(alice));
        assertEquals(500, balance(bob));
    }

    @Test
    void theSameKeyWithADifferentBodyIsRefusedAndChangesNothing() {
        String key = UUID.randomUUID().toString();
        post(key, transfer("p2p", List.of(leg(alice, bob, 500)))).statusCode(201);
        expectProblem(post(key, transfer("p2p", List.of(leg(alice, bob, 501)))), 422, "idempotency-key-reused");
        assertEquals(500, balance(bob));
    }

    @Test
    void aTransferWithoutAnIdempotencyKeyIsRefused() {
        expectProblem(asService().body(transfer("p2p", List.of(leg(alice, bob, 1)))).post("/v1/internal/transfers")
                .then(), 400, "missing-idempotency-key");
        expectProblem(post("has spaces", transfer("p2p", List.of(leg(alice, bob, 1)))), 400,
                "missing-idempotency-key");
        assertEquals(0, balance(bob));
    }

    @Test
    void zeroNegativeAndOversizedAmountsAreInvalidAmounts() {
        for (long amount : new long[]{0, -1, -10_000, 100_000_001L, Long.MAX_VALUE}) {
            expectProblem(move("p2p", alice, bob, amount), 400, "invalid-amount")
                    .body("errors[0].field", equalTo("legs[0].amount"));
        }
        assertEquals(10_000, balance(alice));
    }

    @Test
    void nonIntegerAndOverflowingAmountsAreRejectedBeforeAnythingHappens() {
        for (String amount : new String[]{"12.5", "\"1200\"", "1e3", "99999999999999999999", "null", "true"}) {
            String body = "{\"kind\":\"p2p\",\"legs\":[{\"from\":\"" + alice + "\",\"to\":\"" + bob
                    + "\",\"amount\":" + amount + "}]}";
            int status = asService().header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                    .post("/v1/internal/transfers").then().extract().statusCode();
            assertEquals(400, status, "amount " + amount);
        }
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(bob));
    }

    @Test
    void malformedTransfersAreValidationProblems() {
        expectProblem(post(UUID.randomUUID().toString(), transfer("p2p", List.of(leg(alice, alice, 1)))), 400,
                "validation-failed");
        expectProblem(post(UUID.randomUUID().toString(), transfer("bribe", List.of(leg(alice, bob, 1)))), 400,
                "validation-failed");
        expectProblem(post(UUID.randomUUID().toString(), transfer("reversal", List.of(leg(alice, bob, 1)))), 400,
                "validation-failed");
        expectProblem(post(UUID.randomUUID().toString(), transfer("p2p", List.of())), 400, "validation-failed");
        expectProblem(post(UUID.randomUUID().toString(), Map.of("kind", "p2p", "legs",
                List.of(Map.of("from", "not-a-uuid", "to", bob, "amount", 1)))), 400, "malformed-body");
        List<Map<String, Object>> tooMany = java.util.Collections.nCopies(11, leg(alice, bob, 1));
        expectProblem(post(UUID.randomUUID().toString(), transfer("p2p", tooMany)), 400, "validation-failed");
        expectProblem(post(UUID.randomUUID().toString(), Map.of("kind", "p2p", "legs", List.of(leg(alice, bob, 1)),
                "sneaky", true)), 400, "malformed-body");
        assertEquals(0, balance(bob));
    }

    @Test
    void unknownAccountsAreRefused() {
        String nobody = UUID.randomUUID().toString();
        expectProblem(move("p2p", alice, nobody, 1), 422, "unknown-account")
                .body("errors[0].field", equalTo("legs[0].to"));
        expectProblem(move("p2p", nobody, alice, 1), 422, "unknown-account")
                .body("errors[0].field", equalTo("legs[0].from"));
        assertEquals(10_000, balance(alice));
    }

    @Test
    void aLegInAnotherCurrencyIsRefused() {
        expectProblem(post(UUID.randomUUID().toString(), transfer("p2p",
                List.of(Map.of("from", alice, "to", bob, "amount", 1, "currency", "USD")))), 422, "currency-mismatch");
        expectProblem(post(UUID.randomUUID().toString(), transfer("p2p",
                List.of(leg(alice, bob, 1), Map.of("from", alice, "to", bob, "amount", 1, "currency", "USD")))), 422,
                "currency-mismatch");
        assertEquals(0, balance(bob));
    }

    @Test
    void insufficientFundsChangeNothing() {
        expectProblem(move("payment", alice, shop, 10_001), 422, "insufficient-funds");
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(shop));
        assertEquals(0, count("SELECT count(*) FROM entry WHERE account_id = '" + shop + "'"));
    }

    @Test
    void aSplitPaymentPostsAllItsLegsOrNone() {
        post(UUID.randomUUID().toString(), transfer("payment", List.of(leg(alice, shop, 970), leg(alice, fees, 30))))
                .statusCode(201).body("legs", hasSize(2)).body("entries", hasSize(4));
        assertEquals(9_000, balance(alice));
        assertEquals(970, balance(shop));

        // The second leg would overdraw: the first must not be posted either.
        expectProblem(post(UUID.randomUUID().toString(),
                transfer("payment", List.of(leg(alice, shop, 5_000), leg(alice, fees, 4_001)))), 422,
                "insufficient-funds")
                .body("errors[0].field", equalTo("legs[1].amount"));
        assertEquals(9_000, balance(alice));
        assertEquals(970, balance(shop));
    }

    @Test
    void aCustomerWalletCannotExceedTheBalanceLimitButRefundsMay() {
        expectProblem(move("topup", systemAccount("funding-clearing"), alice, 990_001), 422,
                "balance-limit-exceeded");
        assertEquals(10_000, balance(alice));
        move("topup", systemAccount("funding-clearing"), alice, 990_000).statusCode(201);
        topUp(bob, 1_000);
        expectProblem(move("p2p", bob, alice, 1), 422, "balance-limit-exceeded");
        move("payment", bob, shop, 1_000).statusCode(201);
        move("refund", shop, alice, 1_000).statusCode(201);
        assertEquals(1_001_000, balance(alice));
    }

    @Test
    void aFrozenAccountCannotBeDebitedOrPaidButReceivesRefunds() {
        move("payment", alice, shop, 2_000).statusCode(201);
        asOps().body(Map.of("reason", "suspected takeover")).post("/v1/internal/accounts/" + alice + "/freeze")
                .then().statusCode(200).body("status", equalTo("frozen"))
                .body("statusReason", equalTo("suspected takeover"));
        expectProblem(move("payment", alice, shop, 1), 409, "account-frozen")
                .body("errors[0].field", equalTo("legs[0].from"));
        expectProblem(move("topup", systemAccount("funding-clearing"), alice, 1), 409, "account-frozen")
                .body("errors[0].field", equalTo("legs[0].to"));
        move("refund", shop, alice, 500).statusCode(201);
        assertEquals(8_500, balance(alice));

        asOps().body(Map.of()).post("/v1/internal/accounts/" + alice + "/unfreeze").then().statusCode(200)
                .body("status", equalTo("active"));
        move("payment", alice, shop, 1).statusCode(201);
    }

    @Test
    void aFrozenWalletStillPaysBackATopUpByItsReversalAndNothingElse() {
        // 7pay: a thief topped up from a stolen card; ops freeze the account, then return the money to the card.
        String thief = openCustomer(unique("thief"));
        String topup = move("topup", systemAccount("funding-clearing"), thief, 50_000).statusCode(201).extract()
                .path("id");
        move("p2p", thief, alice, 1_000).statusCode(201);
        String p2p = move("p2p", alice, thief, 500).statusCode(201).extract().path("id");
        asOps().body(Map.of("reason", "account takeover")).post("/v1/internal/accounts/" + thief + "/freeze").then()
                .statusCode(200);
        expectProblem(move("p2p", thief, alice, 1), 409, "account-frozen");
        // A reversal that would move the frozen wallet's money to another customer is refused.
        expectProblem(asService().header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of())
                .post("/v1/internal/transfers/" + p2p + "/reversals").then(), 409, "account-frozen");
        asService().header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of("amount", 49_500))
                .post("/v1/internal/transfers/" + topup + "/reversals").then().statusCode(201);
        assertEquals(0, balance(thief));
    }

    @Test
    void aFrozenMerchantTakesNoPaymentsButStillPaysRefundsAndReversals() {
        String merchant = unique("frozen-shop");
        String account = openMerchant(merchant);
        move("payment", alice, account, 3_000).statusCode(201);
        String payment = move("payment", alice, account, 1_000).statusCode(201).extract().path("id");
        asService().body(Map.of("reason", "ops: chargeback ring")).post("/v1/internal/accounts/merchants/" + merchant
                + "/freeze").then().statusCode(200).body("[0].status", equalTo("frozen"));

        expectProblem(move("payment", alice, account, 1), 409, "account-frozen")
                .body("errors[0].field", equalTo("legs[0].to"));
        expectProblem(move("payment", account, alice, 1), 422, "kind-mismatch");
        move("refund", account, alice, 1_200).statusCode(201);
        asService().header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of())
                .post("/v1/internal/transfers/" + payment + "/reversals").then().statusCode(201);
        assertEquals(10_000 - 3_000 + 1_200, balance(alice));
        assertEquals(3_000 - 1_200, balance(account));

        asService().body(Map.of()).post("/v1/internal/accounts/merchants/" + merchant + "/unfreeze").then()
                .statusCode(200).body("[0].status", equalTo("active"));
        move("payment", alice, account, 1).statusCode(201);
    }

    @Test
    void aMerchantIsSettledByAFeeAndAPayoutAndAFailedPayoutIsReversedBackToIt() {
        String merchant = openMerchant(unique("settled-shop"));
        move("payment", alice, merchant, 5_000).statusCode(201);
        String clearing = systemAccount("payout-clearing");
        long feesBefore = balance(fees);
        long clearingBefore = balance(clearing);

        move("fee", merchant, fees, 99).statusCode(201).body("kind", equalTo("fee"));
        String payout = move("payout", merchant, clearing, 4_901).statusCode(201).body("kind", equalTo("payout"))
                .extract().path("id");
        assertEquals(0, balance(merchant));
        assertEquals(feesBefore + 99, balance(fees));
        assertEquals(clearingBefore + 4_901, balance(clearing));

        // The bank refused it: the payout is reversed and the money is the merchant's again.
        asService().header("Idempotency-Key", UUID.randomUUID().toString()).body(Map.of())
                .post("/v1/internal/transfers/" + payout + "/reversals").then().statusCode(201)
                .body("kind", equalTo("reversal"));
        assertEquals(4_901, balance(merchant));
        assertEquals(clearingBefore, balance(clearing));
    }

    @Test
    void feesAndPayoutsMoveOnlyFromAMerchantToTheirOwnSystemAccount() {
        String merchant = openMerchant(unique("settled-shop"));
        move("payment", alice, merchant, 1_000).statusCode(201);
        String clearing = systemAccount("payout-clearing");
        expectProblem(move("payout", merchant, fees, 1), 422, "kind-mismatch");
        expectProblem(move("payout", merchant, bob, 1), 422, "kind-mismatch");
        expectProblem(move("payout", alice, clearing, 1), 422, "kind-mismatch")
                .body("errors[0].field", equalTo("legs[0].from"));
        expectProblem(move("fee", merchant, clearing, 1), 422, "kind-mismatch");
        expectProblem(move("fee", alice, fees, 1), 422, "kind-mismatch");
        expectProblem(move("payout", clearing, merchant, 1), 422, "kind-mismatch");
        assertEquals(1_000, balance(merchant));
        assertEquals(10_000 - 1_000, balance(alice));
    }

    @Test
    void aClosedAccountMovesNothing() {
        String empty = openCustomer(unique("leaver"));
        asOps().body(Map.of("reason", "customer left")).post("/v1/internal/accounts/" + empty + "/close").then()
                .statusCode(200).body("status", equalTo("closed"));
        expectProblem(move("p2p", alice, empty, 1), 409, "account-closed");
        expectProblem(asOps().body(Map.of()).post("/v1/internal/accounts/" + empty + "/unfreeze").then(), 409,
                "account-closed");
        expectProblem(asOps().body(Map.of()).post("/v1/internal/accounts/" + alice + "/close").then(), 409,
                "account-not-empty");
        assertEquals(10_000, balance(alice));
    }

    @Test
    void aTransferCanBeLookedUpByItsIdempotencyKeyOnlyByTheServiceThatPostedIt() {
        String key = UUID.randomUUID().toString();
        String id = post(key, transfer("payment", List.of(leg(alice, shop, 100)))).statusCode(201).extract()
                .path("id");
        asService().queryParam("idempotencyKey", key).get("/v1/internal/transfers").then().statusCode(200)
                .body("id", equalTo(id)).body("entries", hasSize(2));
        expectProblem(
                asService().queryParam("idempotencyKey", UUID.randomUUID().toString()).get("/v1/internal/transfers")
                        .then(),
                404, "transfer-not-found");

        String otherService = WalletApi.peerToken();
        expectProblem(given().auth().oauth2(otherService).queryParam("idempotencyKey", key)
                .get("/v1/internal/transfers").then(), 404, "transfer-not-found");
        expectProblem(given().auth().oauth2(otherService).get("/v1/internal/transfers/" + id).then(), 404,
                "transfer-not-found");
        asOps().get("/v1/internal/transfers/" + id).then().statusCode(200).body("kind", equalTo("payment"));
        asOps().queryParam("idempotencyKey", key).queryParam("caller", "payment-service")
                .get("/v1/internal/transfers").then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void onlyServicesPostTransfers() {
        // A key no other request uses: were a refused caller's request ever claimed, it could not collide with
        // another test's in the shared database.
        String key = UUID.randomUUID().toString();
        String body = "{\"kind\":\"p2p\",\"legs\":[{\"from\":\"" + alice + "\",\"to\":\"" + bob + "\",\"amount\":1}]}";
        expectProblem(asCustomer("alice").contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/internal/transfers").then(), 403, "forbidden");
        expectProblem(asOps().header("Idempotency-Key", key).body(body).post("/v1/internal/transfers").then(), 403,
                "forbidden");
        expectProblem(given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/internal/transfers").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger("payment-service", "service"))
                .contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/internal/transfers").then(), 401, "unauthorized");
        assertEquals(0, balance(bob));
    }

    /** The attack: a check that reads the first value, a ledger that reads the last. Now neither reads either. */
    @Test
    void anAmountGivenTwiceIsRefusedAndMovesNothing() {
        String key = UUID.randomUUID().toString();
        String body = "{\"kind\":\"p2p\",\"legs\":[{\"from\":\"" + alice + "\",\"to\":\"" + bob
                + "\",\"amount\":1,\"amount\":5000}]}";
        expectProblem(asService().header("Idempotency-Key", key).body(body).post("/v1/internal/transfers").then(), 400,
                "malformed-body");
        assertEquals(0, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(bob));
    }

    @Test
    void metadataNestedNineHundredLevelsDeepIsRefusedAndNotStored() {
        String key = UUID.randomUUID().toString();
        String body = "{\"kind\":\"p2p\",\"legs\":[{\"from\":\"" + alice + "\",\"to\":\"" + bob
                + "\",\"amount\":1}],\"metadata\":" + nested(900) + "}";
        expectProblem(asService().header("Idempotency-Key", key).body(body).post("/v1/internal/transfers").then(), 400,
                "malformed-body");
        assertEquals(0, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
        assertEquals(0, balance(bob));
    }

    @Test
    void metadataDeeperOrLargerThanItsLimitsIsAValidationProblem() {
        for (Object metadata : List.of(new JsonObject(nested(6)).getMap(),
                Map.of("note", "x".repeat(4_100)))) {
            String key = UUID.randomUUID().toString();
            expectProblem(post(key, Map.of("kind", "p2p", "legs", List.of(leg(alice, bob, 1)), "metadata", metadata)),
                    400, "validation-failed")
                    .body("errors.field", equalTo(List.of("metadata")));
            assertEquals(0, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
        }
        assertEquals(0, balance(bob));
    }

    @Test
    void metadataAtItsLimitsIsStoredAsGiven() {
        Map<String, Object> metadata = new HashMap<>(new JsonObject(nested(5)).getMap());
        metadata.put("note", "x".repeat(3_900));
        post(UUID.randomUUID().toString(), Map.of("kind", "p2p", "legs", List.of(leg(alice, bob, 1)), "metadata",
                metadata))
                .statusCode(201)
                .body("metadata.note", equalTo("x".repeat(3_900)))
                .body("metadata.a.a.a.a.a", equalTo(1));
        assertEquals(1, balance(bob));
    }

    /** {@code {"a":{"a":...{"a":1}...}}}, {@code levels} objects deep. */
    private static String nested(int levels) {
        return "{\"a\":".repeat(levels) + "1" + "}".repeat(levels);
    }

    @Test
    void anOversizedBodyIsRefusedWith413() {
        String metadata = "x".repeat(70_000);
        expectProblem(post(UUID.randomUUID().toString(), Map.of("kind", "p2p", "legs", List.of(leg(alice, bob, 1)),
                "metadata", Map.of("note", metadata))), 413, "payload-too-large");
        assertEquals(0, balance(bob));
    }
}
