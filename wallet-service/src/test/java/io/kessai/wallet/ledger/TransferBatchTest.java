package io.kessai.wallet.ledger;

import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * The batch API (issue 13): many transfers in one transaction and one commit, each judged alone in order and answered
 * alone; linked chains all or nothing; replays; scopes per kind; and no deadlock between batches and single transfers.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class TransferBatchTest {

    String alice;
    String bob;
    String shop;

    @BeforeEach
    void accounts() {
        alice = openCustomer(unique("alice"));
        bob = openCustomer(unique("bob"));
        shop = openMerchant(unique("shop"));
        topUp(alice, 10_000);
        topUp(bob, 1_000);
    }

    static Map<String, Object> item(String key, Map<String, Object> transfer) {
        Map<String, Object> item = new HashMap<>();
        item.put("idempotencyKey", key);
        item.put("transfer", transfer);
        return item;
    }

    static Map<String, Object> linked(String key, Map<String, Object> transfer) {
        Map<String, Object> item = item(key, transfer);
        item.put("linked", true);
        return item;
    }

    static Map<String, Object> payment(String from, String to, long amount) {
        return transfer("payment", List.of(leg(from, to, amount)));
    }

    static ValidatableResponse batch(List<Map<String, Object>> items) {
        return asService().body(Map.of("transfers", items)).post("/v1/internal/transfers/batch").then();
    }

    static String key() {
        return UUID.randomUUID().toString();
    }

    static long transfersUnder(String key) {
        return count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'");
    }

    @Test
    void eachTransferIsJudgedAloneInOrderAndOneRefusalFailsNoOther() {
        String tooMuch = key();
        batch(List.of(item(key(), payment(alice, shop, 3_000)), item(tooMuch, payment(bob, shop, 5_000)),
                item(key(), payment(bob, shop, 600)), item(key(), payment(bob, shop, 600))))
                .statusCode(200).body("posted", equalTo(2)).body("refused", equalTo(2))
                .body("results", hasSize(4))
                .body("results[0].status", equalTo(201)).body("results[0].transfer.kind", equalTo("payment"))
                .body("results[1].status", equalTo(422))
                .body("results[1].problem.type", equalTo("https://kessai.io/problems/insufficient-funds"))
                .body("results[2].status", equalTo(201))
                // In order: bob's 1,000 less the 600 just posted leaves 400.
                .body("results[3].problem.code", equalTo("insufficient-funds"))
                .body("results[2].transfer.entries[0].subAccountBalanceAfter", equalTo(400));
        assertEquals(7_000, balance(alice));
        assertEquals(400, balance(bob));
        assertEquals(3_600, balance(shop));
        assertEquals(0, transfersUnder(tooMuch), "a refused transfer leaves no trace: its key may be retried");
        assertEquals(true, invariants().get("ok"));
    }

    @Test
    void aBatchCreditsAMerchantOnOneOfItsSubAccounts() {
        // So that concurrent batches of payments to one busy merchant lock one sub-account each, not all of them.
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            items.add(item(key(), payment(alice, shop, 10)));
        }
        List<Integer> subAccounts = batch(items).statusCode(200).body("posted", equalTo(8)).extract()
                .path("results.transfer.entries.flatten().findAll { it.accountId == '" + shop + "' }.subAccount");
        assertEquals(8, subAccounts.size());
        assertEquals(1, new java.util.HashSet<>(subAccounts).size(), "one sub-account: " + subAccounts);
        assertEquals(80, balance(shop));
    }

    @Test
    void aTopUpAndAPaymentOfItInOneBatch() {
        String carol = openCustomer(unique("carol"));
        String clearing = systemAccount("funding-clearing");
        batch(List.of(item(key(), transfer("topup", List.of(leg(clearing, carol, 2_000)))),
                item(key(), payment(carol, shop, 1_500)))).statusCode(200).body("posted", equalTo(2));
        assertEquals(500, balance(carol));
    }

    @Test
    void aRepeatedBatchAnswersTheFirstResultsAndMovesNothing() {
        String first = key();
        String second = key();
        List<Map<String, Object>> items = List.of(item(first, payment(alice, shop, 100)),
                item(second, payment(alice, shop, 200)));
        String id = batch(items).statusCode(200).body("posted", equalTo(2)).extract().path("results[0].transfer.id");
        batch(items).statusCode(200).body("replayed", equalTo(2)).body("results[0].status", equalTo(200))
                .body("results[0].transfer.id", equalTo(id));
        assertEquals(9_700, balance(alice));
        // The same key for another transfer, and the same key twice in one batch.
        String fresh = key();
        batch(List.of(item(first, payment(alice, shop, 999)), item(fresh, payment(alice, shop, 1)),
                item(fresh, payment(alice, shop, 2)))).statusCode(200)
                .body("results[0].problem.code", equalTo("idempotency-key-reused"))
                .body("results[1].status", equalTo(201))
                .body("results[2].problem.code", equalTo("idempotency-key-reused"));
        assertEquals(9_699, balance(alice));
    }

    @Test
    void linkedTransfersArePostedAllOrNothing() {
        String a = key();
        String b = key();
        batch(List.of(linked(a, payment(alice, shop, 1_000)), item(b, payment(bob, shop, 5_000)),
                item(key(), payment(alice, shop, 1)))).statusCode(200)
                .body("results[0].problem.code", equalTo("linked-transfer-failed"))
                .body("results[1].problem.code", equalTo("insufficient-funds"))
                .body("results[2].status", equalTo(201));
        assertEquals(9_999, balance(alice));
        assertEquals(1_000, balance(bob));
        assertEquals(0, transfersUnder(a) + transfersUnder(b));

        // A chain that holds together is posted; one still open at the end is refused whole.
        batch(List.of(linked(key(), payment(alice, shop, 10)), item(key(), payment(bob, shop, 10)),
                linked(key(), payment(alice, shop, 20)))).statusCode(200)
                .body("results[0].status", equalTo(201)).body("results[1].status", equalTo(201))
                .body("results[2].problem.code", equalTo("linked-chain-open"));
        assertEquals(9_989, balance(alice));
        assertEquals(990, balance(bob));
    }

    @Test
    void aBadTransferGetsItsOwnProblemAndTheOthersArePosted() {
        Map<String, Object> noLegs = new HashMap<>(Map.of("kind", "payment"));
        batch(List.of(item(key(), noLegs), item(key(), payment(alice, shop, 0)), item(null, payment(alice, shop, 5)),
                item("bad key!", payment(alice, shop, 5)), item(key(), payment(alice, alice, 5)),
                item(key(), payment(alice, UUID.randomUUID().toString(), 5)), item(key(), payment(alice, shop, 5))))
                .statusCode(200).body("posted", equalTo(1))
                .body("results[0].problem.code", equalTo("validation-failed"))
                .body("results[0].problem.errors[0].field", equalTo("legs"))
                .body("results[1].problem.code", equalTo("invalid-amount"))
                .body("results[2].problem.code", equalTo("missing-idempotency-key"))
                .body("results[3].problem.code", equalTo("missing-idempotency-key"))
                .body("results[4].problem.code", equalTo("validation-failed"))
                .body("results[5].problem.code", equalTo("unknown-account"))
                .body("results[6].status", equalTo(201));
        assertEquals(9_995, balance(alice));
    }

    @Test
    void eachTransferNeedsTheScopeOfItsKind() {
        String clearing = systemAccount("funding-clearing");
        String paymentsOnly = TestIssuer.tokens().serviceToken("payment-service",
                List.of("wallet:transfers.payment"));
        given().auth().oauth2(paymentsOnly).contentType(ContentType.JSON)
                .body(Map.of("transfers", List.of(item(key(), transfer("topup", List.of(leg(clearing, alice, 100)))),
                        item(key(), payment(alice, shop, 100)))))
                .post("/v1/internal/transfers/batch").then().statusCode(200)
                .body("results[0].status", equalTo(403)).body("results[0].problem.code", equalTo("forbidden"))
                .body("results[1].status", equalTo(201));
        assertEquals(9_900, balance(alice));
        String readOnly = TestIssuer.tokens().serviceToken("payment-service", List.of("wallet:transfers.read"));
        given().auth().oauth2(readOnly).contentType(ContentType.JSON)
                .body(Map.of("transfers", List.of(item(key(), payment(alice, shop, 100)))))
                .post("/v1/internal/transfers/batch").then().statusCode(403);
        given().contentType(ContentType.JSON).body(Map.of("transfers", List.of(item(key(), payment(alice, shop, 1)))))
                .post("/v1/internal/transfers/batch").then().statusCode(401);
        assertEquals(9_900, balance(alice));
    }

    @Test
    void aBatchHasOneToTheLimitOfTransfersAndABodyThatParses() {
        batch(List.of()).statusCode(400).body("code", equalTo("validation-failed"));
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            tooMany.add(item(key(), payment(alice, shop, 1)));
        }
        batch(tooMany).statusCode(400).body("code", equalTo("validation-failed"));
        asService().body("{\"transfers\": [").post("/v1/internal/transfers/batch").then().statusCode(400)
                .body("code", equalTo("malformed-body"));
        assertEquals(10_000, balance(alice));
    }

    @Test
    void batchesAndSingleTransfersOverTheSameAccountsNeverDeadlockAndConserveMoney() throws Exception {
        List<String> wallets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String wallet = openCustomer(unique("w" + i));
            topUp(wallet, 100_000);
            wallets.add(wallet);
        }
        long before = 0;
        for (String wallet : wallets) {
            before += balance(wallet);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int n = 0; n < 16; n++) {
                int round = n;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    List<Map<String, Object>> items = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        // Every pair of wallets in both directions, in a different order per batch.
                        String from = wallets.get((round + i) % 4);
                        String to = wallets.get((round + i + 1 + i % 3) % 4);
                        items.add(item(key(), transfer("p2p", List.of(leg(from, to, 1 + i)))));
                    }
                    return batch(items).statusCode(200).extract().path("posted");
                }, pool));
                answers.add(CompletableFuture.supplyAsync(() -> asService().header("Idempotency-Key", key())
                        .body(transfer("p2p", List.of(leg(wallets.get(round % 4), wallets.get((round + 2) % 4), 7))))
                        .post("/v1/internal/transfers").then().statusCode(201).extract().statusCode(), pool));
            }
            for (CompletableFuture<Integer> answer : answers) {
                assertTrue(answer.get() > 0);
            }
        } finally {
            pool.shutdownNow();
        }
        long after = 0;
        for (String wallet : wallets) {
            after += balance(wallet);
        }
        assertEquals(before, after, "p2p between these wallets moves money among them only");
        assertEquals(true, invariants().get("ok"));
    }
}
