package io.kessai.payment.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.outbox.Outbox;
import io.kessai.outbox.OutboxRelay;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The relay's hand-over in batches, driven by the test itself (the scheduler is off in this start, so no poll races
 * it, and each test starts from an empty outbox): a backlog drains in one drain, one request per batch; every event
 * of a batch is handled by its own result; a whole batch that fails is retried whole; a notification-service without
 * the batch endpoint gets one request per event, and is remembered; ordered calls still go one at a time, in order;
 * a wake-up after a commit relays at once, and a burst of them runs one drain at a time.
 */
@QuarkusTest
@TestProfile(OutboxRelayBatchTest.RelayDrivenByTheTest.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
class OutboxRelayBatchTest {

    public static class RelayDrivenByTheTest implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            // A failed row waits between 30 and 60 s here, so a test reads it as backing off however slowly the
            // machine runs (the %test default, 0.05 s, could pass before the row is read); tests that retry make
            // the rows due themselves.
            return Map.of("quarkus.scheduler.enabled", "false", "kessai.outbox.initial-backoff", "60S",
                    "kessai.outbox.max-backoff", "120S");
        }
    }

    @Inject
    Outbox outbox;

    @Inject
    OutboxRelay relay;

    @Inject
    Pool pool;

    @BeforeEach
    void emptyOutbox() {
        pool.query("DELETE FROM kessai_outbox").execute().await().atMost(Duration.ofSeconds(10));
    }

    @AfterEach
    void notificationServiceAsNew() {
        FakeNotificationService.setUp(true);
        FakeNotificationService.batchEndpoint(true);
        relay.resumeBatches();
    }

    private void enqueue(String eventId, String type) {
        pool.withTransaction(tx -> outbox.enqueue(tx, new JsonObject().put("eventId", eventId).put("type", type)
                .put("recipient", new JsonObject().put("userId", "u-1"))
                .put("data", new JsonObject().put("paymentId", eventId))))
                .await().atMost(Duration.ofSeconds(10));
    }

    private List<String> enqueueReceipts(int n) {
        List<String> ids = IntStream.range(0, n).mapToObj(i -> "pay:" + UUID.randomUUID() + ":completed").toList();
        ids.forEach(id -> enqueue(id, "payment.completed"));
        return ids;
    }

    private Row row(String eventId) {
        var rows = pool.preparedQuery("SELECT attempts, dead, last_error, next_attempt_at > now() AS later "
                + "FROM kessai_outbox WHERE event_id = $1").execute(Tuple.of(eventId))
                .await().atMost(Duration.ofSeconds(10));
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    private long remaining(List<String> ids) {
        return pool.preparedQuery("SELECT count(*) FROM kessai_outbox WHERE event_id = ANY($1)")
                .execute(Tuple.tuple().addArrayOfString(ids.toArray(String[]::new)))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private void dueNow() {
        pool.query("UPDATE kessai_outbox SET next_attempt_at = now()").execute().await()
                .atMost(Duration.ofSeconds(10));
    }

    /** The batches that carried any of {@code ids}, as they reached notification-service. */
    private static List<List<String>> batchesWith(List<String> ids) {
        return FakeNotificationService.batches().stream().filter(batch -> batch.stream().anyMatch(ids::contains))
                .toList();
    }

    @Test
    void aBacklogOfSeveralBatchesDrainsInOneDrainWithOneRequestPerBatch() {
        List<String> ids = enqueueReceipts(180);

        int handled = relay.drain().await().atMost(Duration.ofSeconds(60));

        assertEquals(180, handled);
        assertEquals(0, remaining(ids), "every delivered row is deleted");
        List<List<String>> batches = batchesWith(ids);
        assertEquals(List.of(50, 50, 50, 30), batches.stream().map(List::size).toList(),
                "one request per claimed batch of 50");
        assertEquals(Set.copyOf(ids), Set.copyOf(batches.stream().flatMap(List::stream).toList()));
        assertTrue(FakeNotificationService.singleEvents().stream().noneMatch(ids::contains), "none sent alone");
    }

    @Test
    void eachEventOfABatchIsHandledByItsOwnResult() {
        String delivered = "pay:" + UUID.randomUUID() + ":completed";
        String refused = "fax:" + UUID.randomUUID();
        String failing = "later:" + UUID.randomUUID();
        enqueue(delivered, "payment.completed");
        enqueue(refused, "otp.fax");
        enqueue(failing, "test.unavailable");

        assertEquals(3, relay.relayDue().await().atMost(Duration.ofSeconds(30)));

        assertEquals(List.of(3), batchesWith(List.of(delivered, refused, failing)).stream().map(List::size).toList(),
                "the three went in one request");
        assertEquals(null, row(delivered), "delivered: deleted");
        Row dead = row(refused);
        assertEquals(true, dead.getBoolean("dead"));
        assertEquals("refused with HTTP 422 (event-id-reused)", dead.getString("last_error"));
        Row retried = row(failing);
        assertEquals(false, retried.getBoolean("dead"));
        assertEquals(1, retried.getInteger("attempts"));
        assertEquals("HTTP 503", retried.getString("last_error"));
        assertEquals(true, retried.getBoolean("later"), "backing off");
    }

    @Test
    void aBatchThatFailsAsAWholeIsRetriedForEachOfItsEvents() {
        FakeNotificationService.setUp(false);
        List<String> ids = enqueueReceipts(3);

        relay.relayDue().await().atMost(Duration.ofSeconds(30));

        for (String id : ids) {
            Row retried = row(id);
            assertEquals(false, retried.getBoolean("dead"), id);
            assertEquals(1, retried.getInteger("attempts"), id);
            assertEquals("HTTP 503", retried.getString("last_error"), id);
            assertEquals(true, retried.getBoolean("later"), id);
        }
        FakeNotificationService.setUp(true);
        dueNow();
        relay.relayDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(0, remaining(ids));
        assertTrue(FakeNotificationService.accepted().stream().filter(body -> ids.stream().anyMatch(body::contains))
                .count() == 3);
    }

    @Test
    void aNotificationServiceWithoutTheBatchEndpointGetsOneRequestPerEventAndIsRemembered() {
        FakeNotificationService.batchEndpoint(false);
        List<String> first = enqueueReceipts(3);
        String refused = "fax:" + UUID.randomUUID();
        enqueue(refused, "otp.fax");
        int batchAttempts = FakeNotificationService.batchAttempts();

        relay.relayDue().await().atMost(Duration.ofSeconds(30));

        assertEquals(batchAttempts + 1, FakeNotificationService.batchAttempts(), "the batch endpoint was asked once");
        assertEquals(0, remaining(first), "delivered one by one");
        assertTrue(FakeNotificationService.singleEvents().containsAll(first));
        assertEquals(true, row(refused).getBoolean("dead"), "a refusal of the single endpoint still makes it dead");
        assertEquals("refused with HTTP 422", row(refused).getString("last_error"));

        List<String> second = enqueueReceipts(2);
        relay.relayDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(0, remaining(second));
        assertTrue(FakeNotificationService.singleEvents().containsAll(second));
        assertEquals(batchAttempts + 1, FakeNotificationService.batchAttempts(),
                "not asked again while the fallback lasts");
        assertTrue(batchesWith(second).isEmpty());

        FakeNotificationService.batchEndpoint(true);
        relay.resumeBatches();
        List<String> third = enqueueReceipts(2);
        relay.relayDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(2), batchesWith(third).stream().map(List::size).toList(), "batches again");
    }

    @Test
    void orderedCallsStillGoOneAtATimeInTheirOrderWhileABacklogDrains() {
        String key = "merchant:" + UUID.randomUUID();
        List<String> calls = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            String call = key + ":call-" + n;
            calls.add(call);
            pool.withTransaction(tx -> outbox.callInOrder(tx, call, key, "wallet", "/v1/internal/accounts/merchants",
                    new JsonObject().put("call", call))).await().atMost(Duration.ofSeconds(10));
        }
        List<String> events = enqueueReceipts(60);

        relay.drain().await().atMost(Duration.ofSeconds(60));

        // The first look took call 1 and 49 events (calls 2 and 3 wait behind it); being full, it was followed by
        // a second, which took call 2 and the other 11 events, and was short: call 3 is still waiting, untried.
        assertEquals(calls.subList(0, 2), arrived(calls));
        assertEquals(0, remaining(events));
        assertEquals(0, row(calls.get(2)).getInteger("attempts"));

        relay.relayDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(calls, arrived(calls));
        assertEquals(0, remaining(calls));
    }

    @Test
    void aWakeUpAfterTheCommitRelaysWithoutAPollAndABurstOfThemRunsOneDrainAtATime() {
        List<String> ids = enqueueReceipts(5);
        for (int i = 0; i < 50; i++) {
            outbox.wakeRelay();
        }
        // No poll runs in this start: only the wake-ups can have sent them.
        Eventually.until("relayed after the wake-up", Duration.ofSeconds(15), () -> remaining(ids) == 0);
        assertEquals(List.of(5), batchesWith(ids).stream().map(List::size).toList(),
                "one drain claimed all five; the wake-ups during it did not start drains of their own");
    }

    /** The calls that reached wallet-service's stand-in, in the order they arrived. */
    private static List<String> arrived(List<String> calls) {
        return FakeNotificationService.merchantAccounts().stream().map(body -> new JsonObject(body).getString("call"))
                .filter(calls::contains).toList();
    }
}
