package io.kessai.payment.payment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.risk.RiskReviews;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles what the ledger has not answered definitively: pending payments and refunds, by re-posting the same
 * transfer under the same idempotency key (the row's id) until wallet-service answers definitively, and canceled
 * payments whose money is not known to be back, by looking their transfer up and reversing it. It never reads "not
 * found" as "failed": a re-post either posts the transfer now or answers the one posted before. A refusal (for a
 * cancel: a transfer that is not there) is final only once no earlier copy of the request can still be queued in
 * wallet-service ({@code refusal-horizon}); before that the row stays unsettled. Safe on every replica: rows are
 * claimed with {@code FOR UPDATE SKIP LOCKED} and a lease.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** While one replica works on a row, the others leave it alone for this long. */
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final Pool pool;
    private final RiskReviews reviews;
    private final Payments payments;
    private final Cancels cancels;
    private final Refunds refunds;
    private final Ledger ledger;
    private final PaymentConfig.Reconcile config;
    private final Backoff backoff;
    private volatile double oldestPendingSeconds;

    Reconciler(Pool pool, Payments payments, Cancels cancels, Refunds refunds, Ledger ledger, PaymentConfig config,
            RiskReviews reviews, MeterRegistry metrics) {
        this.pool = pool;
        this.reviews = reviews;
        this.payments = payments;
        this.cancels = cancels;
        this.refunds = refunds;
        this.ledger = ledger;
        this.config = config.reconcile();
        this.backoff = new Backoff(this.config.grace(), this.config.maxBackoff());
        Gauge.builder("kessai.payment.pending.oldest.age", this, Reconciler::oldestPendingSeconds)
                .description("Age in seconds of the oldest payment whose outcome is not known yet")
                .baseUnit("seconds").register(metrics);
    }

    double oldestPendingSeconds() {
        return oldestPendingSeconds;
    }

    @Scheduled(every = "${kessai.payment.reconcile.interval}", delayed = "${kessai.payment.reconcile.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = ReconcilerSwitch.class)
    Uni<Void> scheduled() {
        return settleDue().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Reconciliation pass failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** What one kind of unsettled row is: its table and when a row of it is unsettled. */
    private enum Queue {

        PAYMENTS("payment", "status = 'pending'", "coalesce(hold_ended_at, created_at)"), CANCELS("payment",
                "cancel_state = 'due'", "coalesce(hold_ended_at, created_at)"), REFUNDS("refund", "status = 'pending'",
                        "created_at");

        final String table;
        final String unsettled;
        /** When the row's transfer was first sent: a payment held for a step-up is sent when its hold ends. */
        final String sentAt;

        Queue(String table, String unsettled, String sentAt) {
            this.table = table;
            this.unsettled = unsettled;
            this.sentAt = sentAt;
        }
    }

    /** One pass: settles the due pending payments, due cancels and pending refunds (up to a batch of each). */
    public Uni<Integer> settleDue() {
        return measure().flatMap(measured -> pass(Queue.PAYMENTS))
                .flatMap(payments -> pass(Queue.CANCELS).map(cancels -> payments + cancels))
                .flatMap(settled -> pass(Queue.REFUNDS).map(refunds -> settled + refunds))
                // Held movements whose review nobody resolved in time fail here, on the same schedule.
                .flatMap(settled -> reviews.expireDue().map(expired -> settled + expired));
    }

    /** Claims the due rows of {@code queue} (a lease, so other replicas skip them) and settles each; how many. */
    private Uni<Integer> pass(Queue queue) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE " + queue.table + " SET next_attempt_at = now() "
                + "+ make_interval(secs => $2), attempts = attempts + 1 WHERE id IN (SELECT id FROM " + queue.table
                + " WHERE " + queue.unsettled + " AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 "
                + "FOR UPDATE SKIP LOCKED) RETURNING id, attempts, " + queue.sentAt
                + " <= now() - make_interval(secs => $3) "
                + "AS refusal_final")
                .execute(Tuple.of(config.batchSize(), (double) LEASE.toSeconds(),
                        config.refusalHorizon().toMillis() / 1000.0)))
                .flatMap(claimed -> {
                    List<Row> rows = new ArrayList<>();
                    claimed.forEach(rows::add);
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return Multi.createFrom().iterable(rows).onItem()
                            .transformToUniAndMerge(row -> settle(queue, row)
                                    .onFailure(WalletUnavailable.class).recoverWithUni(e -> later(queue,
                                            row.getUUID("id"), row.getInteger("attempts"), e.getMessage())))
                            .collect().asList().map(List::size);
                });
    }

    private Uni<Void> settle(Queue queue, Row claimed) {
        UUID id = claimed.getUUID("id");
        boolean refusalFinal = claimed.getBoolean("refusal_final");
        return switch (queue) {
            case PAYMENTS -> Payments.stored(pool, id).flatMap(payment -> ledger.transfer(id.toString(),
                    Payments.transferOf(payment)).flatMap(
                            answer -> payments.settle(id, answer, refusalFinal)
                                    .flatMap(view -> view.isTerminal()
                                            ? Uni.createFrom().voidItem()
                                            : untilHorizon(queue, id, answer.problemCode()))));
            case CANCELS -> cancels.settle(id, refusalFinal).flatMap(done -> refusalFinal
                    ? Uni.createFrom().voidItem()
                    // Not known yet whether its transfer was posted: look again once no copy can still post.
                    : untilHorizon(queue, id, "transfer not found before the refusal horizon"));
            case REFUNDS -> Refunds.stored(pool, id).flatMap(refund -> ledger.transfer(id.toString(),
                    Refunds.transferOf(refund)).flatMap(
                            answer -> refunds.settle(id, answer, refusalFinal)
                                    .flatMap(view -> view.isTerminal()
                                            ? Uni.createFrom().voidItem()
                                            : untilHorizon(queue, id, answer.problemCode()))));
        };
    }

    /** Refused (or not found) before the horizon: try again once no earlier copy can still post. */
    private Uni<Void> untilHorizon(Queue queue, UUID id, String why) {
        return pool.preparedQuery("UPDATE " + queue.table + " SET next_attempt_at = " + queue.sentAt
                + " + make_interval(secs "
                + "=> $2), last_error = $3 WHERE id = $1 AND " + queue.unsettled)
                .execute(Tuple.of(id, config.refusalHorizon().toMillis() / 1000.0, why + " before the refusal horizon"))
                .replaceWithVoid();
    }

    private Uni<Void> later(Queue queue, UUID id, int attempts, String reason) {
        double wait = backoff.after(attempts, bound -> ThreadLocalRandom.current().nextLong(bound)).toMillis() / 1000.0;
        return pool.preparedQuery("UPDATE " + queue.table + " SET next_attempt_at = now() + make_interval(secs => $2), "
                + "last_error = $3 WHERE id = $1 AND " + queue.unsettled).execute(Tuple.of(id, wait, reason))
                .replaceWithVoid();
    }

    private Uni<Void> measure() {
        return pool.query("SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age FROM payment "
                + "WHERE status = 'pending'").execute()
                .invoke(rows -> oldestPendingSeconds = rows.iterator().next().getDouble("age")).replaceWithVoid();
    }
}
