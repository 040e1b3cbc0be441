package io.kessai.wallet.ledger;

import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.invariants;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.opsToken;
import static io.kessai.wallet.WalletApi.serviceToken;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Hammers shared accounts with hundreds of concurrent requests, then checks that no yen was created, lost or
 * duplicated, that nothing overdrew, that no request failed for any reason but a ledger rule (a lost update would show
 * as wrong balances, a bug as a 500), and that no transaction deadlocked.
 *
 * <p>The clients here behave as the API asks callers to: a 503 means the request was rolled back and nothing was
 * written (a lock wait past lock_timeout does this under load, more often on a busy machine), so they send the very
 * same request again, same Idempotency-Key and body, until it is answered. Each test then checks that the retries
 * changed nothing: one transfer per key that was answered 201, none for a refused one, no answer replayed from an
 * attempt that had been answered 503, and exact balances.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ConcurrencyTest {

    private static final int IN_FLIGHT = 64;
    /** The server bounds every wait (lock_timeout, statement_timeout), so silence this long is a failure. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Attempts per request before a 503 is taken as the answer (and fails the test that sees it). */
    private static final int ATTEMPTS = 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(8);

    /** Where the service logs each failure it answers 503 (kept referenced: JUL holds loggers weakly). */
    private static final Logger PROBLEMS = Logger.getLogger("io.kessai.common.problem.ProblemMappers");

    /**
     * The deadlocks the service answered during a test. A deadlock is rolled back and answered 503 just like a lock
     * wait past lock_timeout, so the retrying clients get through one; but the single global lock order is meant to
     * make them impossible, and the service's log is where one still shows (SQLSTATE 40P01).
     */
    private final List<String> deadlocks = new CopyOnWriteArrayList<>();
    private final Handler deadlockWatch = new Handler() {

        @Override
        public void publish(LogRecord record) {
            String text = record.getMessage() + " " + Arrays.toString(record.getParameters());
            if (text.contains("40P01")) {
                deadlocks.add(text);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void watchForDeadlocks() {
        PROBLEMS.addHandler(deadlockWatch);
    }

    @AfterEach
    void noDeadlockHappened() {
        PROBLEMS.removeHandler(deadlockWatch);
        assertEquals(List.of(), deadlocks, "no transaction deadlocked");
    }

    @AfterAll
    static void shutdown() {
        POOL.shutdown();
    }

    /** The final answer to a request, after {@code attempts} sends; {@code replayed} if Idempotent-Replayed. */
    record Answer(int status, String body, boolean replayed, int attempts) {
    }

    /**
     * Sends a request as a correct client does: on 503 (nothing was written) it waits a little and sends the same
     * request again, same Idempotency-Key, same body, same token. It waits less than the 5 s Retry-After asks of
     * production callers, and with jitter, so that a burst of retries neither slows the test down nor arrives in
     * lockstep; the contract tested is that a 503 wrote nothing, not how long a caller waits.
     */
    static CompletableFuture<Answer> send(HttpRequest request) {
        return send(request, 1);
    }

    private static CompletableFuture<Answer> send(HttpRequest request, int attempt) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenCompose(response -> {
            Answer answer = new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Idempotent-Replayed").map("true"::equals).orElse(false), attempt);
            if (response.statusCode() != 503 || attempt == ATTEMPTS) {
                return CompletableFuture.completedFuture(answer);
            }
            long pause = Math.min(1_000, 25L << Math.min(attempt, 6)) + ThreadLocalRandom.current().nextLong(50);
            return CompletableFuture.supplyAsync(() -> request,
                    CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS))
                    .thenCompose(again -> send(again, attempt + 1));
        });
    }

    /** Sends {@code count} requests with at most {@link #IN_FLIGHT} in flight and answers every response. */
    static List<Answer> concurrently(int count, IntFunction<HttpRequest> request) {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquireUninterruptibly();
            answers.add(send(request.apply(i)).whenComplete((answer, failure) -> inFlight.release()));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    static HttpRequest post(String path, String key, String json) {
        return HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + path))
                .timeout(REQUEST_TIMEOUT)
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

    static List<String> keys(int count) {
        return IntStream.range(0, count).mapToObj(i -> UUID.randomUUID().toString()).toList();
    }

    /** How many transfers were posted under these idempotency keys (by payment-service, the tests' caller). */
    static long transfersUnder(Collection<String> keys) {
        return count("SELECT count(*) FROM transfer WHERE caller = 'payment-service' AND idempotency_key IN ("
                + keys.stream().map(key -> "'" + key + "'").collect(Collectors.joining(",")) + ")");
    }

    /**
     * Every request here has a key of its own, so a replayed answer can only be the echo of an earlier attempt of the
     * same request, one that was answered 503 and yet had posted: exactly what 503 promises never to do.
     */
    static void assertNoAnswerWasReplayed(List<Answer> answers) {
        answers.forEach(answer -> assertFalse(answer.replayed(), () -> "a 503 had written: " + answer));
    }

    static String retries(List<Answer> answers) {
        return answers.stream().mapToInt(answer -> answer.attempts() - 1).sum() + " retries after 503";
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
        List<String> keys = keys(bodies.size());
        List<Answer> answers = concurrently(bodies.size(),
                i -> post("/v1/internal/transfers", keys.get(i), bodies.get(i)));

        Map<Integer, Integer> statuses = new HashMap<>();
        for (Answer answer : answers) {
            statuses.merge(answer.status(), 1, Integer::sum);
            assertTrue(answer.status() == 201 || answer.body().contains("insufficient-funds"),
                    "unexpected answer " + answer);
        }
        assertTrue(statuses.getOrDefault(201, 0) > 100, "most transfers post: " + statuses + ", " + retries(answers));
        assertNoAnswerWasReplayed(answers);
        assertEquals(statuses.get(201).longValue(), transfersUnder(keys),
                "one transfer per request answered 201, none for a refused one, whatever was retried");
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
        List<String> keys = keys(400);
        List<Answer> answers = concurrently(400, i -> post("/v1/internal/transfers", keys.get(i),
                transferJson("payment", leg(payers.get(i % 20), shop, 10))));
        answers.forEach(answer -> assertEquals(201, answer.status(), answer::toString));
        assertNoAnswerWasReplayed(answers);
        assertEquals(400, transfersUnder(keys), retries(answers));
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
        answers.forEach(answer -> assertEquals(201, answer.status(), answer::toString));
        assertEquals(1, answers.stream().map(Answer::body).distinct().count(), "every retry got the first answer");
        assertEquals(1, answers.stream().filter(answer -> !answer.replayed()).count(),
                () -> "one request posted it and every other one was answered with a replay: " + answers);
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
        List<String> keys = keys(25);
        List<Answer> answers = concurrently(25, i -> post("/v1/internal/transfers/" + payment + "/reversals",
                keys.get(i), "{\"amount\":100}"));
        long posted = answers.stream().filter(answer -> answer.status() == 201).count();
        answers.stream().filter(answer -> answer.status() != 201)
                .forEach(answer -> assertTrue(answer.body().contains("reversal-exceeds-original"), answer::toString));
        assertEquals(10, posted, retries(answers));
        assertNoAnswerWasReplayed(answers);
        assertEquals(10, transfersUnder(keys));
        assertEquals(10, count("SELECT count(*) FROM transfer WHERE reverses = '" + payment + "'"));
        assertEquals(1_000, balance(payer));
        assertEquals(0, balance(shop));
    }

    /** A payment of the freeze test, and whether it was sent only after the freeze call had returned. */
    record Sent(boolean afterFreeze, String key, CompletableFuture<Answer> answer) {
    }

    @Test
    void aFreezeTakesEffectForEveryTransferAfterItEvenUnderLoad() {
        String payer = openCustomer(unique("payer"));
        topUp(payer, 100_000);
        String shop = openMerchant(unique("shop"));
        AtomicBoolean freezeReturned = new AtomicBoolean();
        // Payments of 7 yen, IN_FLIGHT at a time, from before the freeze until well after it returned: the freeze
        // lands in the middle of the load, and requests sent after it returned meet it. Bounded in case it never
        // returns (5,000 payments are 35,000 yen, within the balance).
        CompletableFuture<List<Sent>> load = CompletableFuture.supplyAsync(() -> {
            Semaphore inFlight = new Semaphore(IN_FLIGHT);
            List<Sent> sent = new ArrayList<>();
            int afterFreeze = 0;
            while (afterFreeze < 2 * IN_FLIGHT && sent.size() < 5_000) {
                inFlight.acquireUninterruptibly();
                boolean after = freezeReturned.get();
                String key = UUID.randomUUID().toString();
                sent.add(new Sent(after, key, send(post("/v1/internal/transfers", key,
                        transferJson("payment", leg(payer, shop, 7))))
                        .whenComplete((answer, failure) -> inFlight.release())));
                afterFreeze += after ? 1 : 0;
            }
            return sent;
        }, POOL);

        Eventually.until("some payments to post before the freeze", Duration.ofSeconds(60),
                () -> balance(shop) >= 20 * 7 || load.isDone());
        HttpRequest freeze = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + "/v1/internal/accounts/" + payer + "/freeze")).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + opsToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"takeover\"}")).build();
        // A freeze waits for the transfers in flight on the payer's row; past lock_timeout it is a 503 that wrote
        // nothing, and it is retried like any other request.
        Answer frozen = send(freeze).join();
        assertEquals(200, frozen.status(), frozen::toString);
        assertTrue(frozen.body().contains("\"status\":\"frozen\""), frozen::toString);
        long debitedAtFreeze = 100_000 - balance(payer);
        freezeReturned.set(true);

        List<Sent> sent = load.join();
        List<Answer> answers = sent.stream().map(request -> request.answer().join()).toList();
        for (Sent request : sent) {
            Answer answer = request.answer().join();
            if (request.afterFreeze()) {
                assertTrue(answer.status() == 409 && answer.body().contains("account-frozen"),
                        () -> "sent after the freeze returned, so refused: " + answer);
            } else {
                assertTrue(answer.status() == 201 || answer.body().contains("account-frozen"), answer::toString);
            }
        }
        long posted = answers.stream().filter(answer -> answer.status() == 201).count();
        long refused = answers.size() - posted;
        assertTrue(posted > 0, "payments posted before the freeze: " + posted);
        assertTrue(refused >= 2 * IN_FLIGHT, "payments refused after it: " + refused);
        assertEquals(debitedAtFreeze, 100_000 - balance(payer), "nothing was debited after the freeze returned");
        assertEquals(posted * 7, debitedAtFreeze, retries(answers));
        assertEquals(posted * 7, balance(shop));
        assertNoAnswerWasReplayed(answers);
        assertEquals(posted, transfersUnder(sent.stream().map(Sent::key).toList()));
    }
}
