package io.kessai.notification.stream;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.delivery.OutgoingMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The push channel: appends events to their recipients' streams and wakes every replica's stream listeners with
 * {@code NOTIFY kessai_stream}, in the caller's transaction (the one that marks the deliveries sent), so an event is
 * stored before anyone is told about it, and stored once.
 */
@ApplicationScoped
public class StreamPublisher {

    public static final String NOTIFY_CHANNEL = "kessai_stream";

    /**
     * Stores one stream event per push delivery, and announces each audience once with its newest id: a listener
     * reads everything its clients have not seen, so one announcement per audience wakes it for all of them.
     */
    public Uni<Void> publish(SqlConnection transaction, List<OutgoingMessage> pushes) {
        return transaction.preparedQuery("WITH stored AS (INSERT INTO stream_event (audience, type, data) "
                + "SELECT k.audience, k.data::jsonb ->> 'type', k.data::jsonb "
                + "FROM unnest($2::text[], $3::text[]) AS k(audience, data) RETURNING id, audience) "
                + "SELECT pg_notify($1, audience || ' ' || max(id)) FROM stored GROUP BY audience")
                .execute(Tuple.tuple().addString(NOTIFY_CHANNEL)
                        .addArrayOfString(pushes.stream().map(OutgoingMessage::recipient).toArray(String[]::new))
                        .addArrayOfString(pushes.stream().map(OutgoingMessage::body).toArray(String[]::new)))
                .replaceWithVoid();
    }
}
