package io.kessai.payment.payment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletUnavailable;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles payments whose outcome is unknown: it re-posts the same transfer under the same idempotency key (the
 * payment's id) until wallet-service answers definitively. It never reads "not found" as "failed": a re-post either
 * posts the transfer now or answers the one posted before. A refusal is final only once no earlier copy of the
 * request can still be queued in wallet-service ({@code refusal-horizon}); before that the payment stays pending.
 * Safe on every replica: rows are claimed with {@code FOR UPDATE SKIP LOCKED} and a lease.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** While one replica works on a row, the others leave it alone for this long. */
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final Pool pool;
    private final Payments payments;
    private final Ledger ledger;
    private final PaymentConfig.Reconcile config;
    private final Backoff backoff;
    private volatile double oldestPendingSeconds;

    Reconciler(Pool pool, Payments payments, Ledger ledger, PaymentConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.payments = payments;
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

    /** One pass: settles the due pending payments (up to a batch); answers how many it tried. */
    public Uni<Integer> settleDue() {
        return measure().flatMap(measured -> pool.withTransaction(tx -> tx.preparedQuery("UPDATE payment SET "
                + "next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1 WHERE id IN ("
                + "SELECT id FROM payment WHERE status = 'pending' AND next_attempt_at <= now() "
                + "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
                + "RETURNING id, attempts, created_at <= now() - make_interval(secs => $3) AS refusal_final")
                .execute(Tuple.of(config.batchSize(), (double) LEASE.toSeconds(),
                        config.refusalHorizon().toMillis() / 1000.0))))
                .flatMap(claimed -> {
                    List<Row> rows = new ArrayList<>();
                    claimed.forEach(rows::add);
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return Multi.createFrom().iterable(rows).onItem().transformToUniAndMerge(this::settle)
                            .collect().asList().map(List::size);
                });
    }

    private Uni<Void> settle(Row claimed) {
        java.util.UUID id = claimed.getUUID("id");
        boolean refusalFinal = claimed.getBoolean("refusal_final");
        return Payments.stored(pool, id).flatMap(payment -> ledger.transfer(id.toString(), Payments.transferOf(payment))
                .flatMap(answer -> payments.settle(id, answer, refusalFinal).flatMap(view -> {
                    if (!view.isTerminal()) {
                        // Refused before the horizon: try again once no earlier copy can still post.
                        return pool.preparedQuery("UPDATE payment SET next_attempt_at = created_at + "
                                + "make_interval(secs => $2), last_error = $3 WHERE id = $1 AND status = 'pending'")
                                .execute(Tuple.of(id, config.refusalHorizon().toMillis() / 1000.0,
                                        "refused (" + answer.problemCode() + ") before the refusal horizon"))
                                .replaceWithVoid();
                    }
                    return Uni.createFrom().voidItem();
                }))
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> later(id, claimed.getInteger("attempts"),
                        e.getMessage())));
    }

    private Uni<Void> later(java.util.UUID id, int attempts, String reason) {
        double wait = backoff.after(attempts, bound -> ThreadLocalRandom.current().nextLong(bound)).toMillis() / 1000.0;
        return pool.preparedQuery("UPDATE payment SET next_attempt_at = now() + make_interval(secs => $2), "
                + "last_error = $3 WHERE id = $1 AND status = 'pending'").execute(Tuple.of(id, wait, reason))
                .replaceWithVoid();
    }

    private Uni<Void> measure() {
        return pool.query("SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age FROM payment "
                + "WHERE status = 'pending'").execute()
                .invoke(rows -> oldestPendingSeconds = rows.iterator().next().getDouble("age")).replaceWithVoid();
    }
}
