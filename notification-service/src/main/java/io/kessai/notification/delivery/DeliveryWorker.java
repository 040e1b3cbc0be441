package io.kessai.notification.delivery;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.kessai.notification.NotificationConfig;
import io.kessai.notification.devinbox.DevInbox;
import io.kessai.notification.stream.StreamPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sends due deliveries. Safe on any number of replicas: a poll claims rows with {@code FOR UPDATE SKIP LOCKED} and
 * pushes their next attempt past a lease, so no two workers send the same delivery, and a delivery whose worker died
 * is tried again when the lease runs out (at-least-once). Failures back off exponentially with jitter up to a maximum
 * number of attempts, then the delivery is dead-lettered for ops to inspect and redeliver.
 * <p>
 * Push deliveries go to this service's own database (the stream table), so the claimed ones are published and marked
 * sent together, in one transaction of two statements however many there are; SMS and mail go out one by one, each
 * marked when its provider has answered.
 */
@ApplicationScoped
public class DeliveryWorker {

    private static final Logger LOG = Logger.getLogger(DeliveryWorker.class);
    /** The text may hold a one-time code: once it is out, it is not kept. */
    private static final String MARK_SENT = "UPDATE delivery SET status = 'sent', sent_at = now(), subject = NULL, "
            + "body = NULL, last_error = NULL ";

    private final Pool pool;
    private final NotificationConfig.Delivery config;
    private final Map<Channel, ChannelSender> senders = new EnumMap<>(Channel.class);
    private final DevInbox devInbox;
    private final StreamPublisher streams;
    private final MeterRegistry metrics;
    private final AtomicLong oldestDueAgeSeconds = new AtomicLong();
    private final Backoff backoff;

    DeliveryWorker(Pool pool, NotificationConfig config, Instance<ChannelSender> senders, DevInbox devInbox,
            StreamPublisher streams, MeterRegistry metrics) {
        this.pool = pool;
        this.config = config.delivery();
        this.backoff = new Backoff(this.config.initialBackoff(), this.config.maxBackoff());
        senders.forEach(sender -> this.senders.put(sender.channel(), sender));
        this.devInbox = devInbox;
        this.streams = streams;
        this.metrics = metrics;
        metrics.gauge("kessai.notification.queue.oldest.age.seconds", oldestDueAgeSeconds);
    }

    @Scheduled(every = "${kessai.notification.delivery.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return measureQueueAge().flatMap(ignored -> drain())
                .onFailure().invoke(e -> LOG.warnf("Delivery poll failed: %s", e.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Sends what is due now instead of at the next poll, so that a fresh event goes out in milliseconds. */
    public void nudge() {
        drain().subscribe().with(sent -> {
        }, failure -> LOG.debugf("Nudged delivery run failed (the next poll retries): %s", failure.toString()));
    }

    /**
     * Sends batch after batch while they come back full, up to {@code max-batches-per-run}: an intake of a hundred
     * receipts is two hundred push deliveries, which one batch would leave for the next polls.
     */
    public Uni<Integer> drain() {
        return drain(1, 0);
    }

    private Uni<Integer> drain(int batch, int sentBefore) {
        return sendDue().flatMap(handled -> handled == config.batchSize() && batch < config.maxBatchesPerRun()
                ? drain(batch + 1, sentBefore + handled)
                : Uni.createFrom().item(sentBefore + handled));
    }

    /** Claims and sends one batch; returns how many deliveries it handled. Also used by tests to drain the queue. */
    public Uni<Integer> sendDue() {
        return pool.preparedQuery("UPDATE delivery d SET attempts = d.attempts + 1, "
                + "next_attempt_at = now() + make_interval(secs => $2) "
                + "FROM (SELECT id FROM delivery WHERE status = 'pending' AND next_attempt_at <= now() "
                + "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due WHERE d.id = due.id "
                + "RETURNING d.id, d.event_id, d.channel, d.recipient, d.locale, d.subject, d.body, d.attempts")
                .execute(Tuple.of(config.batchSize(), (double) config.lease().toSeconds()))
                .flatMap(rows -> {
                    List<OutgoingMessage> pushes = new ArrayList<>();
                    List<OutgoingMessage> others = new ArrayList<>();
                    for (Row row : rows) {
                        OutgoingMessage message = new OutgoingMessage(row.getLong("id"), row.getString("event_id"),
                                Channel.fromWire(row.getString("channel")), row.getString("recipient"),
                                row.getString("locale"), row.getString("subject"), row.getString("body"),
                                row.getInteger("attempts"));
                        (message.channel() == Channel.PUSH ? pushes : others).add(message);
                    }
                    Uni<Void> pushed = pushes.isEmpty() ? Uni.createFrom().voidItem() : publish(pushes);
                    Uni<Void> sent = Multi.createFrom().iterable(others)
                            .onItem().transformToUniAndMerge(this::deliver)
                            .collect().asList().replaceWithVoid();
                    return Uni.combine().all().unis(pushed, sent).discardItems().replaceWith(rows.size());
                });
    }

    /**
     * Publishes push deliveries and marks them sent in one transaction. If that fails, each is tried alone, so that
     * one that cannot be published (say, its payload is gone) fails by itself, as it would have been sent alone.
     */
    private Uni<Void> publish(List<OutgoingMessage> pushes) {
        return publishAndMarkSent(pushes)
                .onFailure().recoverWithUni(failure -> pushes.size() == 1
                        ? markFailed(pushes.get(0), failure)
                        : Multi.createFrom().iterable(pushes)
                                .onItem().transformToUniAndMerge(push -> publishAndMarkSent(List.of(push))
                                        .onFailure().recoverWithUni(alone -> markFailed(push, alone)))
                                .collect().asList().replaceWithVoid());
    }

    private Uni<Void> publishAndMarkSent(List<OutgoingMessage> pushes) {
        return pool.withTransaction(connection -> streams.publish(connection, pushes)
                .flatMap(published -> connection.preparedQuery(MARK_SENT + "WHERE id = ANY($1)")
                        .execute(Tuple.tuple().addArrayOfLong(
                                pushes.stream().map(OutgoingMessage::id).toArray(Long[]::new)))))
                .invoke(() -> metrics.counter("kessai.notification.deliveries", "channel", Channel.PUSH.wire(),
                        "outcome", "sent").increment(pushes.size()))
                .replaceWithVoid();
    }

    private Uni<Void> deliver(OutgoingMessage message) {
        return senders.get(message.channel()).send(message)
                .flatMap(sent -> markSent(message))
                .onFailure().recoverWithUni(failure -> markFailed(message, failure));
    }

    private Uni<Void> markSent(OutgoingMessage message) {
        // The text may hold a one-time code: once it is out, it is not kept. The dev inbox copy is written in the
        // same transaction, so that whoever sees 'sent' (a test, the local stack's user) finds the message there too.
        return pool.withTransaction(connection -> connection
                .preparedQuery(MARK_SENT + "WHERE id = $1")
                .execute(Tuple.of(message.id()))
                .flatMap(updated -> devInbox.keep(connection, message)))
                .invoke(() -> count(message.channel(), "sent"));
    }

    private Uni<Void> markFailed(OutgoingMessage message, Throwable failure) {
        boolean permanent = failure instanceof SendFailure sendFailure && sendFailure.permanent();
        boolean dead = permanent || message.attempt() >= config.maxAttempts();
        String reason = failure instanceof SendFailure
                ? failure.getMessage()
                : failure.getClass().getSimpleName()
                        + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        LOG.infof("Delivery %d (%s, attempt %d) failed%s: %s", message.id(), message.channel().wire(),
                message.attempt(), dead ? ", dead-lettered" : "", reason);
        count(message.channel(), dead ? "dead" : "retried");
        if (dead) {
            return pool.preparedQuery("UPDATE delivery SET status = 'dead', last_error = $2 WHERE id = $1")
                    .execute(Tuple.of(message.id(), truncate(reason))).replaceWithVoid();
        }
        return pool.preparedQuery("UPDATE delivery SET next_attempt_at = now() + make_interval(secs => $2), "
                + "last_error = $3 WHERE id = $1")
                .execute(Tuple.of(message.id(),
                        backoff.after(message.attempt(), bound -> ThreadLocalRandom.current().nextLong(bound))
                                .toMillis() / 1000.0,
                        truncate(reason)))
                .replaceWithVoid();
    }

    private Uni<Void> measureQueueAge() {
        return pool.query("SELECT coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0) AS age "
                + "FROM delivery WHERE status = 'pending' AND next_attempt_at <= now()")
                .execute()
                .invoke(rows -> oldestDueAgeSeconds.set(rows.iterator().next().getNumeric("age").longValue()))
                .replaceWithVoid();
    }

    private void count(Channel channel, String outcome) {
        metrics.counter("kessai.notification.deliveries", "channel", channel.wire(), "outcome", outcome).increment();
    }

    private static String truncate(String reason) {
        return reason.length() <= 500 ? reason : reason.substring(0, 500);
    }
}
