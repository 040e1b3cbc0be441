package io.kessai.outbox;

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

    /**
     * @param transaction the connection of the business transaction
     * @param event       a notification event ({@code eventId}, {@code type}, {@code recipient}, {@code data}); a
     *                    repeated {@code eventId} is ignored, so retried business operations enqueue once
     */
    public Uni<Void> enqueue(SqlConnection transaction, JsonObject event) {
        String eventId = event.getString("eventId");
        if (eventId == null || eventId.isBlank()) {
            throw new IllegalArgumentException("an outbox event needs an eventId");
        }
        return transaction.preparedQuery("INSERT INTO kessai_outbox (event_id, body) VALUES ($1, $2) "
                + "ON CONFLICT (event_id) DO NOTHING")
                .execute(Tuple.of(eventId, event))
                .replaceWithVoid();
    }
}
