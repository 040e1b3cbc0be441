package io.kessai.system;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;

/**
 * Jepsen's bank test against the real stack: correct clients (a new Idempotency-Key per operation, the same key on
 * every retry of it, Retry-After honoured) move money between wallets and merchants with transfers, holds, captures,
 * voids and reversals while PostgreSQL is killed with SIGKILL and started again. Afterwards every answer the clients
 * were given is compared with the wallet database by SQL: each acknowledged operation is stored exactly once, nothing
 * refused left a trace, and every account holds exactly what the acknowledged answers add up to. While the database
 * is down every service answers 503 with Retry-After, never 500.
 *
 * <p>PostgreSQL runs as in production here (fsync and synchronous_commit on): with synchronous_commit off, the same
 * test lost acknowledged transfers at every crash.
 */
@ExtendWith(RunningStack.class)
class DatabaseCrashIT {

    private static final int CLIENTS = 16;
    private static final int CUSTOMERS = 24;
    private static final int MERCHANTS = 6;
    private static final long FUNDING = 300_000;

    /** What a client was told about one operation; the test's model of the ledger is built from these. */
    private static final class Told {

        final String key;
        final String kind;
        final String id;
        final Map<String, Long> moves;
        /** For a hold: what the client last heard it is (active, then captured or voided). */
        volatile String holdStatus;

        Told(String key, String kind, String id, Map<String, Long> moves) {
            this.key = key;
            this.kind = kind;
            this.id = id;
            this.moves = moves;
            this.holdStatus = kind.equals("hold") ? "active" : null;
        }
    }

    private final Map<String, Long> expected = new ConcurrentHashMap<>();
    /** By the id the answer gave (transfer or hold). */
    private final Map<String, Told> told = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> refusedKeys = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();

    @Test
    void acknowledgedMoneyMovementsSurviveADatabaseCrashExactlyOnce() throws Exception {
        LocalStack stack = RunningStack.stack();
        WalletCalls wallet = new WalletCalls(stack);
        List<String> customers = new ArrayList<>();
        List<String> merchants = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String clearing = wallet.fundingClearing();
        for (int i = 0; i < CUSTOMERS; i++) {
            String account = wallet.open("customers", "crash-" + run + "-c" + i);
            customers.add(account);
            WalletCalls.Answer topUp = wallet.transfer(UUID.randomUUID().toString(), "topup", clearing, account,
                    FUNDING);
            assertEquals(201, topUp.status(), topUp.body());
            expected.put(account, FUNDING);
        }
        for (int i = 0; i < MERCHANTS; i++) {
            String account = wallet.open("merchants", "crash-" + run + "-m" + i);
            merchants.add(account);
            expected.put(account, 0L);
        }

        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        boolean crashed = false;
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Random random = new Random(31L * i + 7);
                clients.add(pool.submit(() -> work(wallet, random, customers, merchants)));
            }
            awaitAcknowledged(200, "before the crash");

            stack.crashPostgres();
            crashed = true;
            Eventually.until("clients see the database gone (503)", Duration.ofSeconds(60),
                    () -> unavailable.get() >= CLIENTS);
            everyServiceAnswers503WhileTheDatabaseIsDown();

            stack.restartPostgres();
            crashed = false;
            awaitAcknowledged(acknowledged.get() + 300, "after the restart");
        } finally {
            stop.set(true);
            if (crashed) {
                stack.restartPostgres();
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "clients finished their last operation");
        }
        for (Future<?> client : clients) {
            client.get(); // a client that threw fails here with its cause
        }
        for (Service service : Service.values()) {
            // Every service finds its database again by itself (pools reconnect, the stream listener listens again),
            // and the tests after this one get a healthy stack.
            Eventually.until(service.module() + " ready again after the crash", Duration.ofSeconds(60),
                    () -> given().baseUri(StackSmokeIT.url(service)).get("/q/health/ready").statusCode() == 200);
        }

        assertEquals(List.of(), List.copyOf(wrongAnswers), "answers other than success, a ledger rule or 503");
        try (Connection db = WalletCalls.database(stack)) {
            for (Told operation : told.values()) {
                assertEquals(1, stored(db, operation), () -> operation.kind + " " + operation.key
                        + " was acknowledged but is stored that many times");
                if (operation.holdStatus != null) {
                    assertEquals(operation.holdStatus, text(db, "SELECT status FROM hold WHERE id = '"
                            + operation.id + "'"), "hold " + operation.id);
                }
            }
            for (String key : refusedKeys) {
                assertEquals(0, count(db, "SELECT count(*) FROM transfer WHERE caller = 'payment-service' AND "
                        + "idempotency_key = '" + key + "'"), "a refused operation left a transfer: " + key);
            }
            Map<String, Long> stored = balances(db, expected.keySet());
            List<String> mismatched = new ArrayList<>();
            expected.forEach((account, balance) -> {
                if (!balance.equals(stored.get(account))) {
                    mismatched.add(account + " told " + balance + ", stored " + stored.get(account));
                }
            });
            assertEquals(List.of(), mismatched, "every account holds what the acknowledged answers add up to");
            assertEquals(0, count(db, "SELECT coalesce(sum(balance), 0) FROM account_shard"),
                    "money is conserved across the whole ledger");
        }
        System.out.printf("DatabaseCrashIT: %d operations acknowledged, %d answers of 503 while PostgreSQL was "
                + "down, %d refused by a ledger rule; all stored exactly once%n", told.size(), unavailable.get(),
                refusedKeys.size());
    }

    /** One client: operations one after another until told to stop, each retried with its key until answered. */
    private void work(WalletCalls wallet, Random random, List<String> customers, List<String> merchants) {
        List<String> reversible = new ArrayList<>();
        while (!stop.get()) {
            String customer = customers.get(random.nextInt(customers.size()));
            String merchant = merchants.get(random.nextInt(merchants.size()));
            long amount = 1 + random.nextInt(500);
            String key = UUID.randomUUID().toString();
            int pick = random.nextInt(10);
            if (pick < 4) {
                WalletCalls.Answer answer = untilAnswered(() -> wallet.transfer(key, "payment", customer, merchant,
                        amount));
                if (booked(answer, key, "payment", Map.of(customer, -amount, merchant, amount))) {
                    reversible.add(answer.json().getString("id"));
                }
            } else if (pick < 6) {
                String other = customers.get(random.nextInt(customers.size()));
                if (!other.equals(customer)) {
                    booked(untilAnswered(() -> wallet.transfer(key, "p2p", customer, other, amount)), key, "p2p",
                            Map.of(customer, -amount, other, amount));
                }
            } else if (pick < 9) {
                WalletCalls.Answer reserved = untilAnswered(() -> wallet.hold(key, customer, amount));
                if (booked(reserved, key, "hold", Map.of())) {
                    Told hold = told.get(reserved.json().getString("id"));
                    if (random.nextBoolean()) {
                        String captureKey = UUID.randomUUID().toString();
                        long captured = 1 + random.nextInt((int) amount);
                        if (booked(untilAnswered(() -> wallet.capture(captureKey, hold.id, merchant, captured)),
                                captureKey, "capture", Map.of(customer, -captured, merchant, captured))) {
                            hold.holdStatus = "captured";
                        }
                    } else {
                        WalletCalls.Answer voided = untilAnswered(() -> wallet.voidHold(hold.id));
                        if (voided.status() == 200) {
                            hold.holdStatus = "voided";
                        } else {
                            wrongAnswers.add("void " + hold.id + ": " + voided.status() + " " + voided.body());
                        }
                    }
                }
            } else if (!reversible.isEmpty()) {
                String original = reversible.remove(random.nextInt(reversible.size()));
                Map<String, Long> back = new HashMap<>();
                told.get(original).moves.forEach((account, delta) -> back.put(account, -delta));
                booked(untilAnswered(() -> wallet.reverse(key, original)), key, "reversal", back);
            }
        }
    }

    /**
     * Records a final answer: success (the operation is now part of the model), a ledger rule's refusal (it must
     * leave no trace), or anything else, which is wrong.
     */
    private boolean booked(WalletCalls.Answer answer, String key, String kind, Map<String, Long> moves) {
        if (answer.status() == 201) {
            String id = answer.json().getString("id");
            told.put(id, new Told(key, kind, id, moves));
            moves.forEach((account, delta) -> expected.merge(account, delta, Long::sum));
            acknowledged.incrementAndGet();
            return true;
        }
        if (answer.status() == 422 && "insufficient-funds".equals(answer.problemCode())) {
            refusedKeys.add(key);
            return false;
        }
        wrongAnswers.add(kind + " " + key + ": " + answer.status() + " " + answer.body());
        return false;
    }

    private interface Call {

        WalletCalls.Answer send() throws IOException;
    }

    /**
     * Sends until the answer is final, as a correct client does: 503 (with Retry-After, honoured) and a lost
     * connection mean "not now", so the same request goes again with the same key. A 5xx other than 503, or a 503
     * without Retry-After, is a wrong answer and is final.
     */
    private WalletCalls.Answer untilAnswered(Call call) {
        while (true) {
            try {
                WalletCalls.Answer answer = call.send();
                if (answer.status() != 503) {
                    return answer;
                }
                unavailable.incrementAndGet();
                if (answer.retryAfter() == null || !"service-unavailable".equals(answer.problemCode())) {
                    return answer;
                }
                pause(Duration.ofSeconds(Long.parseLong(answer.retryAfter())));
            } catch (IOException lostConnection) {
                pause(Duration.ofMillis(200));
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitAcknowledged(long target, String when) {
        Eventually.until(target + " operations acknowledged " + when, Duration.ofMinutes(3),
                () -> acknowledged.get() >= target);
    }

    /** While PostgreSQL is down: a write to each service with a database endpoint is a 503 with Retry-After. */
    private static void everyServiceAnswers503WhileTheDatabaseIsDown() {
        given().baseUri(StackSmokeIT.url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("phone", TestPhones.next("+8170"), "password", "tsukemen-at-lunch-4", "locale", "en"))
                .post("/v1/registrations").then().statusCode(503).header("Retry-After", notNull())
                .body("type", equalTo("https://kessai.io/problems/service-unavailable"));
        given().baseUri(StackSmokeIT.url(Service.NOTIFICATION)).contentType(ContentType.JSON)
                .auth().oauth2(StackSmokeIT.serviceToken(Service.PAYMENT))
                .body(Map.of("eventId", UUID.randomUUID().toString(), "type", "otp.sms", "locale", "en",
                        "recipient", Map.of("phone", TestPhones.next("+8180")),
                        "data", Map.of("code", "905172", "ttlSeconds", 300)))
                .post("/v1/internal/events").then().statusCode(503).header("Retry-After", notNull())
                .body("type", equalTo("https://kessai.io/problems/service-unavailable"));
    }

    private static org.hamcrest.Matcher<String> notNull() {
        return org.hamcrest.Matchers.notNullValue(String.class);
    }

    private static long stored(Connection db, Told operation) throws SQLException {
        String table = operation.kind.equals("hold") ? "hold" : "transfer";
        return count(db, "SELECT count(*) FROM " + table + " WHERE caller = 'payment-service' AND idempotency_key = '"
                + operation.key + "' AND id = '" + operation.id + "'");
    }

    private static Map<String, Long> balances(Connection db, Iterable<String> accounts) throws SQLException {
        Map<String, Long> balances = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement(
                "SELECT coalesce(sum(balance), 0) FROM account_shard WHERE account_id = ?::uuid")) {
            for (String account : accounts) {
                query.setString(1, account);
                try (ResultSet row = query.executeQuery()) {
                    row.next();
                    balances.put(account, row.getLong(1));
                }
            }
        }
        return balances;
    }

    private static long count(Connection db, String sql) throws SQLException {
        return Long.parseLong(text(db, sql));
    }

    private static String text(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        }
    }
}
