package io.kessai.payment.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kessai.outbox.Outbox;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The caller's side of notifications: an event exists exactly when its business change commits, survives a
 * notification-service outage, and is handed over once it is back.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
class OutboxRelayTest {

    @Inject
    Outbox outbox;

    @Inject
    Pool pool;

    @AfterEach
    void notificationServiceBackUp() {
        FakeNotificationService.setUp(true);
    }

    private static JsonObject event(String eventId, String type) {
        return new JsonObject().put("eventId", eventId).put("type", type)
                .put("recipient", new JsonObject().put("userId", "u-1"))
                .put("data", new JsonObject().put("paymentId", "p-1"));
    }

    /** A business change and its event in one transaction, as a payment would do. */
    private void commit(String eventId, String type) {
        pool.withTransaction(tx -> tx.preparedQuery("SELECT 1").execute()
                .flatMap(businessChange -> outbox.enqueue(tx, event(eventId, type))))
                .await().atMost(Duration.ofSeconds(10));
    }

    private long rows(String sql, String eventId) {
        return pool.preparedQuery(sql).execute(Tuple.of(eventId)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    private static boolean delivered(String eventId) {
        return FakeNotificationService.accepted().stream().anyMatch(b -> b.contains(eventId));
    }

    @Test
    void committedEventIsHandedOverAndRemoved() {
        String id = "pay:" + UUID.randomUUID();
        commit(id, "payment.completed");
        await("handed over", () -> delivered(id));
        await("removed", () -> rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1", id) == 0);
    }

    @Test
    void rolledBackChangeLeavesNoEvent() {
        String id = "pay:" + UUID.randomUUID();
        try {
            pool.withTransaction(tx -> outbox.enqueue(tx, event(id, "payment.completed"))
                    .flatMap(enqueued -> Uni.createFrom().failure(new IllegalStateException("payment failed"))))
                    .await().atMost(Duration.ofSeconds(10));
            fail("the transaction should have failed");
        } catch (IllegalStateException expected) {
            // the business change failed, so its event must not exist
        }
        assertEquals(0, rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1", id));
        assertTrue(FakeNotificationService.attempts().stream().noneMatch(b -> b.contains(id)));
    }

    @Test
    void backlogSurvivesANotificationOutageAndDrainsWhenItReturns() {
        FakeNotificationService.setUp(false);
        List<String> ids = List.of("pay:" + UUID.randomUUID(), "pay:" + UUID.randomUUID(),
                "pay:" + UUID.randomUUID());
        ids.forEach(id -> commit(id, "payment.completed"));
        await("tried while down", () -> ids.stream().allMatch(id -> FakeNotificationService.attempts().stream()
                .anyMatch(b -> b.contains(id))));
        for (String id : ids) {
            assertEquals(1, rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1 AND NOT dead", id),
                    "kept while notification-service is down");
            assertTrue(!delivered(id));
        }

        FakeNotificationService.setUp(true);
        await("backlog drained", () -> ids.stream().allMatch(OutboxRelayTest::delivered));
        for (String id : ids) {
            await("removed", () -> rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1", id) == 0);
        }
    }

    @Test
    void repeatedEnqueueOfTheSameEventIdKeepsOneRow() {
        FakeNotificationService.setUp(false);
        String id = "pay:" + UUID.randomUUID();
        commit(id, "payment.completed");
        commit(id, "payment.completed");
        assertEquals(1, rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1", id));
    }

    @Test
    void eventRefusedAsInvalidIsKeptAsDeadNotRetriedForever() {
        String id = "pay:" + UUID.randomUUID();
        commit(id, "otp.fax");
        await("dead", () -> rows("SELECT count(*) FROM kessai_outbox WHERE event_id = $1 AND dead", id) == 1);
        long attempts = FakeNotificationService.attempts().stream().filter(b -> b.contains(id)).count();
        assertEquals(1, attempts);
    }

    private static void await(String what, BooleanSupplier condition) {
        Eventually.until(what, Duration.ofSeconds(15), condition);
    }
}
