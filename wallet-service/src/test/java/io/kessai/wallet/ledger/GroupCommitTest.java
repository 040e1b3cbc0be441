package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.post;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Group commit (issue 13): concurrent single requests are posted together, and each still gets exactly the answer a
 * request of its own would have: its transfer, its own problem, or the first answer to its key.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class GroupCommitTest {

    /** Sends every request at once from its own thread, and answers the responses in order. */
    private static List<Response> atOnce(List<java.util.function.Supplier<Response>> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (var request : requests) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return request.get();
                }, pool));
            }
            start.countDown();
            List<Response> responses = new ArrayList<>();
            for (CompletableFuture<Response> answer : answers) {
                responses.add(answer.get(60, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentRequestsEachGetTheirOwnAnswer() throws Exception {
        String shop = openMerchant(unique("shop"));
        List<String> wallets = new ArrayList<>();
        List<java.util.function.Supplier<Response>> requests = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String wallet = openCustomer(unique("payer"));
            topUp(wallet, 1_000);
            wallets.add(wallet);
            // Every fourth asks for more than the wallet holds.
            long amount = i % 4 == 3 ? 5_000 : 100 + i;
            Map<String, Object> body = transfer("payment", List.of(leg(wallet, shop, amount)));
            requests.add(() -> post(UUID.randomUUID().toString(), body).extract().response());
        }
        List<Response> responses = atOnce(requests);
        long paid = 0;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < responses.size(); i++) {
            Response response = responses.get(i);
            if (i % 4 == 3) {
                assertEquals(422, response.statusCode(), response.asString());
                assertEquals("insufficient-funds", response.path("code"));
                assertEquals(1_000, balance(wallets.get(i)));
            } else {
                assertEquals(201, response.statusCode(), response.asString());
                assertEquals(wallets.get(i), response.path("legs[0].from"));
                ids.add(response.path("id"));
                paid += 100 + i;
                assertEquals(900 - i, balance(wallets.get(i)));
            }
        }
        assertEquals(18, ids.size(), "each request its own transfer");
        assertEquals(paid, balance(shop));
        assertEquals(true, invariants().get("ok"));
    }

    @Test
    void theSameKeyTwiceAtOnceIsPostedOnceAndAnsweredAsARetry() throws Exception {
        String wallet = openCustomer(unique("payer"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 1_000);
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = transfer("payment", List.of(leg(wallet, shop, 300)));
        List<java.util.function.Supplier<Response>> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(() -> post(key, body).extract().response());
        }
        List<Response> responses = atOnce(requests);
        Set<String> ids = new HashSet<>();
        int replayed = 0;
        for (Response response : responses) {
            assertEquals(201, response.statusCode(), response.asString());
            ids.add(response.path("id"));
            replayed += "true".equals(response.header("Idempotent-Replayed")) ? 1 : 0;
        }
        assertEquals(1, ids.size());
        assertEquals(5, replayed);
        assertEquals(700, balance(wallet));
        expectProblem(post(key, transfer("payment", List.of(leg(wallet, shop, 301)))), 422,
                "idempotency-key-reused");
    }
}
