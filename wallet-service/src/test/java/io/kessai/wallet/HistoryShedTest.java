package io.kessai.wallet;

import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.count;
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
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * Reads shed before payments: with the statement bulkhead shrunk to one in flight and one waiting, and both places
 * taken, a statement read is turned away at once with 503 and Retry-After, while payments sent at the same time are
 * posted.
 *
 * <p>The places are taken on purpose, not by a burst that may or may not arrive faster than reads finish: the test
 * locks the entry table, so the read in the bulkhead's slot waits in the database (where the test sees it wait) until
 * the test lets it go, and of the reads sent after it one waits in the bulkhead's queue and the rest are shed.
 */
@QuarkusTest
@TestProfile(HistoryShedTest.TinyStatementBulkhead.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class HistoryShedTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int PAYMENTS = 5;

    public static class TinyStatementBulkhead implements QuarkusTestProfile {

        /**
         * Lock and statement timeouts longer than the test, so that the held read and the payments wait behind the
         * test's lock for as long as the test needs on a slow machine, instead of being answered 503 by the database
         * first. (The lock timeout is overridden under its %test name, which application.properties sets.) As many
         * group-commit groups in flight as payments, so that each payment waits in the database on its own, where the
         * test counts it, rather than in the service for a group ahead of it.
         */
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("io.kessai.wallet.history.History/page/Bulkhead/value", "1",
                    "kessai.wallet.group-commit.in-flight", String.valueOf(PAYMENTS),
                    "io.kessai.wallet.history.History/page/Bulkhead/waitingTaskQueue", "1",
                    "%test.quarkus.datasource.reactive.additional-properties.lock_timeout", "120s",
                    "quarkus.datasource.reactive.additional-properties.statement_timeout", "120s");
        }
    }

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** The running application (RestAssured knows its port only once it has started, not when this is constructed). */
    static URI uri(String path) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
    }

    CompletableFuture<HttpResponse<String>> read(String account) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/v1/internal/accounts/" + account + "/entries"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + serviceToken()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> pay(String from, String to, long amount) {
        return http.sendAsync(HttpRequest.newBuilder(uri("/v1/internal/transfers"))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + serviceToken())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"payment\",\"legs\":[{\"from\":\"" + from
                        + "\",\"to\":\"" + to + "\",\"amount\":" + amount + "}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sessions of the service waiting for a lock: the read behind the test's lock on the entry table, and payments
     * behind it or behind each other (they debit the same wallet, so they queue on its row first).
     */
    static long waitingForALock() {
        return count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND wait_event_type = 'Lock'");
    }

    static void assertShed(HttpResponse<String> response) {
        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.body().contains("service-unavailable"), response.body());
        assertEquals("5", response.headers().firstValue("Retry-After").orElse(null));
    }

    @Test
    void withTheStatementBulkheadFullReadsAreShedWhilePaymentsGoThrough() throws Exception {
        String wallet = openCustomer(unique("user"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 100_000);
        CompletableFuture<HttpResponse<String>> inTheSlot;
        List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> payments = new ArrayList<>();
        try (Connection gate = TestDatabase.connect(); Statement statement = gate.createStatement()) {
            gate.setAutoCommit(false);
            statement.execute("LOCK TABLE entry IN ACCESS EXCLUSIVE MODE");
            try {
                inTheSlot = read(wallet);
                Eventually.until("a read to take the bulkhead's one slot and wait for the lock", WAIT,
                        () -> waitingForALock() == 1);
                // The slot stays taken until the lock is released, so of the next reads exactly one gets the one
                // waiting place and every other one is shed, whatever order they arrive in.
                for (int i = 0; i < 3; i++) {
                    more.add(read(wallet));
                }
                Eventually.until("all but one of the next reads to be answered", WAIT,
                        () -> more.stream().filter(CompletableFuture::isDone).count() == more.size() - 1);
                more.stream().filter(CompletableFuture::isDone).forEach(read -> assertShed(read.join()));
                assertEquals(1, waitingForALock(), "the waiting read is not running");

                for (int i = 0; i < PAYMENTS; i++) {
                    payments.add(pay(wallet, shop, 100));
                }
                // The payments are past every bulkhead and inside their transactions, writing entries, while the
                // statement bulkhead is still full: a read now is shed as well.
                Eventually.until("the payments to reach the database", WAIT,
                        () -> waitingForALock() == 1 + PAYMENTS);
                assertShed(read(wallet).join());
                assertEquals(1, more.stream().filter(read -> !read.isDone()).count(), "one read still waits");
            } finally {
                gate.rollback();
            }
        }
        assertEquals(200, inTheSlot.join().statusCode(), inTheSlot.join().body());
        HttpResponse<String> waited = more.stream().map(CompletableFuture::join)
                .filter(response -> response.statusCode() != 503).findFirst().orElseThrow();
        assertEquals(200, waited.statusCode(), waited.body());
        for (CompletableFuture<HttpResponse<String>> payment : payments) {
            HttpResponse<String> response = payment.join();
            assertEquals(201, response.statusCode(), response.body());
        }
        assertEquals(PAYMENTS * 100, WalletApi.balance(shop));
        assertEquals(100_000 - PAYMENTS * 100, WalletApi.balance(wallet));
        // With the slot and the waiting place free again, reads are served.
        asService().get("/v1/internal/accounts/" + wallet + "/entries").then().statusCode(200);
    }
}
