package io.kessai.wallet.ledger;

import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.serviceToken;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Hammers shared accounts with hundreds of concurrent requests, then checks that no yen was created, lost or
 * duplicated, that nothing overdrew, and that no request failed for any reason but a ledger rule (a deadlock or a lost
 * update would show as a 500 or as wrong balances).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ConcurrencyTest {

    private static final int IN_FLIGHT = 64;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(8);

    @AfterAll
    static void shutdown() {
        POOL.shutdown();
    }

    record Answer(int status, String body) {
    }

    /** Sends {@code count} requests with at most {@link #IN_FLIGHT} in flight and answers every response. */
    static List<Answer> concurrently(int count, IntFunction<HttpRequest> request) {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquireUninterruptibly();
            answers.add(HTTP.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> new Answer(response.statusCode(), response.body()))
                    .whenComplete((answer, failure) -> inFlight.release()));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    static HttpRequest post(String path, String key, String json) {
        return HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + path))
                .header("Authorization", "Bearer " + serviceToken())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    static String transferJson(String kind, String... legs) {
        return "{\"kind\":\"" + kind + "\",\"legs\":[" + String.join(",", legs) + "]}";
    }

    static String leg(String from, String to, long amount) {
        return "{\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"amount\":" + amount + "}";
    }

    @Test
    void hundredsOfConcurrentTransfersOverSharedAccountsConserveMoneyAndNeverOverdraw() {
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            customers.add(openCustomer(unique("c")));
            topUp(customers.get(i), 5_000);
        }
        String bigShop = openMerchant(unique("big"));
        String kiosk = asService().body(Map.of("merchantId", unique("kiosk"), "subAccounts", 1))
                .post("/v1/internal/accounts/merchants").then().statusCode(201).extract().path("id");
        List<String> all = new ArrayList<>(customers);
        all.add(bigShop);
        all.add(kiosk);
        Random random = new Random(42);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String a = customers.get(random.nextInt(customers.size()));
            String b = customers.get(random.nextInt(customers.size()));
            String shop = random.nextBoolean() ? bigShop : kiosk;
            long amount = 1 + random.nextInt(2_500);
            bodies.add(switch (random.nextInt(4)) {
                case 0 -> a.equals(b)
                        ? transferJson("payment", leg(a, shop, amount))
                        : transferJson("p2p", leg(a, b, amount));
                case 1 -> transferJson("payment", leg(a, shop, amount));
                case 2 -> transferJson("refund", leg(shop, a, amount));
                default -> transferJson("payment", leg(a, bigShop, amount), leg(a, kiosk, 1 + amount / 10));
            });
        }
        List<Answer> answers = concurrently(bodies.size(),
                i -> post("/v1/internal/transfers", UUID.randomUUID().toString(), bodies.get(i)));

        Map<Integer, Integer> statuses = new HashMap<>();
        for (Answer answer : answers) {
            statuses.merge(answer.status(), 1, Integer::sum);
            assertTrue(answer.status() == 201 || answer.body().contains("insufficient-funds"),
                    "unexpected answer " + answer.status() + " " + answer.body());
        }
        assertTrue(statuses.getOrDefault(201, 0) > 100, "most transfers post: " + statuses);
        long total = 0;
        for (String account : all) {
            long balance = balance(account);
            assertTrue(balance >= 0, "no account overdrawn: " + account + " has " + balance);
            total += balance;
        }
        assertEquals(30_000, total, "money moved only among these accounts: none created or lost");
        assertEquals(Boolean.TRUE, invariants().get("ok"), () -> "invariants: " + invariants());
    }

    @Test
    void oneHotMerchantPaidConcurrentlyReceivesEveryYenAcrossItsSubAccounts() {
        List<String> payers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            payers.add(openCustomer(unique("payer")));
            topUp(payers.get(i), 1_000);
        }
        String shop = openMerchant(unique("lunch"));
        List<Answer> answers = concurrently(400, i -> post("/v1/internal/transfers", UUID.randomUUID().toString(),
                transferJson("payment", leg(payers.get(i % 20), shop, 10))));
        answers.forEach(answer -> assertEquals(201, answer.status(), answer.body()));
        assertEquals(4_000, balance(shop));
        payers.forEach(payer -> assertEquals(800, balance(payer)));
        assertTrue(count("SELECT count(DISTINCT shard) FROM entry WHERE account_id = '" + shop + "'") > 8,
                "credits spread over the merchant's sub-accounts");
    }

    @Test
    void concurrentRetriesOfOneRequestPostItOnce() {
        String payer = openCustomer(unique("payer"));
        topUp(payer, 1_000);
        String shop = openMerchant(unique("shop"));
        String key = UUID.randomUUID().toString();
        String body = transferJson("payment", leg(payer, shop, 300));
        List<Answer> answers = concurrently(30, i -> post("/v1/internal/transfers", key, body));
        answers.forEach(answer -> assertEquals(201, answer.status(), answer.body()));
        assertEquals(1, answers.stream().map(Answer::body).distinct().count(), "every retry got the first answer");
        assertEquals(1, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
        assertEquals(700, balance(payer));
        assertEquals(300, balance(shop));
    }

    @Test
    void concurrentReversalsNeverReturnMoreThanWasPaid() {
        String payer = openCustomer(unique("payer"));
        topUp(payer, 1_000);
        String shop = openMerchant(unique("shop"));
        String payment = move("payment", payer, shop, 1_000).statusCode(201).extract().path("id");
        List<Answer> answers = concurrently(25, i -> post("/v1/internal/transfers/" + payment + "/reversals",
                UUID.randomUUID().toString(), "{\"amount\":100}"));
        long posted = answers.stream().filter(answer -> answer.status() == 201).count();
        answers.stream().filter(answer -> answer.status() != 201)
                .forEach(answer -> assertTrue(answer.body().contains("reversal-exceeds-original"), answer.body()));
        assertEquals(10, posted);
        assertEquals(1_000, balance(payer));
        assertEquals(0, balance(shop));
    }

    @Test
    void aFreezeTakesEffectForEveryTransferAfterItEvenUnderLoad() throws Exception {
        String payer = openCustomer(unique("payer"));
        topUp(payer, 100_000);
        String shop = openMerchant(unique("shop"));
        CompletableFuture<List<Answer>> load = CompletableFuture.supplyAsync(() -> concurrently(200,
                i -> post("/v1/internal/transfers", UUID.randomUUID().toString(),
                        transferJson("payment", leg(payer, shop, 7)))),
                POOL);
        Thread.sleep(50);
        asService().body(Map.of("reason", "takeover")).post("/v1/internal/accounts/" + payer + "/freeze").then()
                .statusCode(200);
        long debitedAtFreeze = 100_000 - balance(payer);
        List<Answer> answers = load.join();
        answers.forEach(answer -> assertTrue(answer.status() == 201 || answer.body().contains("account-frozen"),
                answer.body()));
        assertEquals(debitedAtFreeze, 100_000 - balance(payer), "nothing was debited after the freeze returned");
        long posted = answers.stream().filter(answer -> answer.status() == 201).count();
        assertEquals(posted * 7, balance(shop));
    }
}
