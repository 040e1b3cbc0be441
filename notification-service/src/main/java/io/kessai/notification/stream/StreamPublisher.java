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
    /** Seeds the hash of an audience into the advisory-lock key space of streams (no other lock uses this seed). */
    static final long LOCK_SEED = 0x5354524541L;

    /**
     * Stores one stream event per push delivery, and announces each audience once with its newest id: a listener
     * reads everything its clients have not seen, so one announcement per audience wakes it for all of them.
     *
     * <p>Streams read {@code id > last sent}, so the events of one audience must become visible in id order: were two
     * transactions to take ids 10 and 11 and the second commit first, a client sent 11 would never be sent 10. Each
     * transaction therefore holds a lock per audience it writes to (an advisory lock until commit, taken in the order
     * of the lock keys so that two transactions never wait for each other crosswise) before it takes ids: a second
     * writer to the audience takes its ids only after the first committed.
     */
    public Uni<Void> publish(SqlConnection transaction, List<OutgoingMessage> pushes) {
        String[] audiences = pushes.stream().map(OutgoingMessage::recipient).toArray(String[]::new);
        return transaction.preparedQuery("SELECT count(pg_advisory_xact_lock(k.key)) FROM (SELECT DISTINCT "
                + "hashtextextended(a, " + LOCK_SEED + ") AS key FROM unnest($1::text[]) AS a ORDER BY 1) k")
                .execute(Tuple.tuple().addArrayOfString(audiences))
                .flatMap(locked -> store(transaction, audiences, pushes));
    }

    private static Uni<Void> store(SqlConnection transaction, String[] audiences, List<OutgoingMessage> pushes) {
        return transaction.preparedQuery("WITH stored AS (INSERT INTO stream_event (audience, type, data) "
                + "SELECT k.audience, k.data::jsonb ->> 'type', k.data::jsonb "
                + "FROM unnest($2::text[], $3::text[]) AS k(audience, data) RETURNING id, audience) "
                + "SELECT pg_notify($1, audience || ' ' || max(id)) FROM stored GROUP BY audience")
                .execute(Tuple.tuple().addString(NOTIFY_CHANNEL)
                        .addArrayOfString(audiences)
                        .addArrayOfString(pushes.stream().map(OutgoingMessage::body).toArray(String[]::new)))
                .replaceWithVoid();
    }
}
