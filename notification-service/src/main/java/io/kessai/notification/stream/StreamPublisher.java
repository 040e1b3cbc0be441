package io.kessai.notification.stream;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.ChannelSender;
import io.kessai.notification.delivery.OutgoingMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The push channel: appends the event to the recipient's stream and wakes every replica's stream listeners with
 * {@code NOTIFY kessai_stream}, in one transaction, so the event is stored before anyone is told about it.
 */
@ApplicationScoped
public class StreamPublisher implements ChannelSender {

    public static final String NOTIFY_CHANNEL = "kessai_stream";

    private final Pool pool;

    StreamPublisher(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Channel channel() {
        return Channel.PUSH;
    }

    @Override
    public Uni<Void> send(OutgoingMessage message) {
        JsonObject event = new JsonObject(message.body());
        return pool.withTransaction(connection -> connection
                .preparedQuery("INSERT INTO stream_event (audience, type, data) VALUES ($1, $2, $3) RETURNING id")
                .execute(Tuple.of(message.recipient(), event.getString("type"), event))
                .flatMap(rows -> connection.preparedQuery("SELECT pg_notify($1, $2)")
                        .execute(Tuple.of(NOTIFY_CHANNEL,
                                message.recipient() + " " + rows.iterator().next().getLong("id")))))
                .replaceWithVoid();
    }
}
