package io.kessai.outbox;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Records an event for notification-service in the caller's own transaction, so the event exists exactly when the
 * business change does. Never calls notification-service itself: a notification outage cannot fail the caller.
 */
@ApplicationScoped
public class Outbox {

    /** The destination of notification events. */
    public static final String NOTIFICATION = "notification";

    private final OutboxRelay relay;

    Outbox(OutboxRelay relay) {
        this.relay = relay;
    }

    /**
     * Tells this replica's relay that a transaction which enqueued rows has committed, so that they are handed over
     * now rather than at the next poll. Call it after the commit (before it, the relay cannot see the rows yet). It
     * returns at once and never fails the caller; a burst of calls runs one drain at a time, and the poll remains the
     * safety net for a wake-up that is lost or never made.
     */
    public void wakeRelay() {
        relay.wake();
    }

    /**
     * @param transaction the connection of the business transaction
     * @param event       a notification event ({@code eventId}, {@code type}, {@code recipient}, {@code data}); a
     *                    repeated {@code eventId} is ignored, so retried business operations enqueue once
     */
    public Uni<Void> enqueue(SqlConnection transaction, JsonObject event) {
        return call(transaction, eventIdOf(event), NOTIFICATION, OutboxRelay.EVENTS_PATH, event);
    }

    /** {@link #enqueue} for many events of one transaction, in one statement. */
    public Uni<Void> enqueueAll(SqlConnection transaction, List<JsonObject> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] ids = new String[events.size()];
        String[] bodies = new String[events.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = eventIdOf(events.get(i));
            bodies[i] = events.get(i).encode();
        }
        return transaction.preparedQuery("INSERT INTO kessai_outbox (event_id, body, destination, path) "
                + "SELECT v.event_id, v.body::jsonb, $3, $4 FROM unnest($1::text[], $2::text[]) AS v(event_id, body) "
                + "ON CONFLICT (event_id) DO NOTHING")
                .execute(Tuple.of(ids, bodies, NOTIFICATION, OutboxRelay.EVENTS_PATH))
                .replaceWithVoid();
    }

    private static String eventIdOf(JsonObject event) {
        String eventId = event.getString("eventId");
        if (eventId == null || eventId.isBlank()) {
            throw new IllegalArgumentException("an outbox event needs an eventId");
        }
        return eventId;
    }

    /**
     * Records an idempotent call to another service, made by the relay with this service's client-credentials token
     * and retried with backoff until the destination accepts it (any 2xx). The destination must treat a repeated call
     * as the first: the relay delivers at least once.
     *
     * @param key         unique per call; a repeated key is ignored, so a retried business operation calls once
     * @param destination a name configured in {@code kessai.outbox.destinations}
     * @param path        where to POST {@code body} there, e.g. {@code /v1/internal/accounts/customers}
     */
    public Uni<Void> call(SqlConnection transaction, String key, String destination, String path, JsonObject body) {
        return callInOrder(transaction, key, null, destination, path, body);
    }

    /**
     * As {@link #call}, but delivered only after every earlier call with the same {@code orderingKey} has been
     * delivered (or refused for good): the relay never has two of them on the way at once, whatever retries and
     * outages do. For calls that each set an absolute state, such as freezing and unfreezing one user's wallet. The
     * order is the order of the inserts; callers that must order concurrent changes serialise them (a row lock).
     */
    public Uni<Void> callInOrder(SqlConnection transaction, String key, String orderingKey, String destination,
            String path, JsonObject body) {
        return transaction.preparedQuery("INSERT INTO kessai_outbox (event_id, body, destination, path, ordering_key) "
                + "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING")
                .execute(Tuple.of(key, body, destination, path, orderingKey))
                .replaceWithVoid();
    }
}
