package io.kessai.payment.p2p;

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
import io.kessai.payment.payment.ReconcilerSwitch;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles pending P2P transfers exactly as the payments' reconciler settles payments: re-posts the same transfer under
 * the same key (the transfer's id) until wallet-service answers definitively, takes a refusal as final only past the
 * refusal horizon, and backs off while wallet-service is away. Safe on every replica: rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED} and a lease. It also posts held transfers that ops approved (made pending and due).
 */
@ApplicationScoped
public class TransferReconciler {

    private static final Logger LOG = Logger.getLogger(TransferReconciler.class);
    /** While one replica works on a row, the others leave it alone for this long. */
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final Pool pool;
    private final Transfers transfers;
    private final Ledger ledger;
    private final PaymentConfig.Reconcile config;
    private final Backoff backoff;

    TransferReconciler(Pool pool, Transfers transfers, Ledger ledger, PaymentConfig config) {
        this.pool = pool;
        this.transfers = transfers;
        this.ledger = ledger;
        this.config = config.reconcile();
        this.backoff = new Backoff(this.config.grace(), this.config.maxBackoff());
    }

    @Scheduled(every = "${kessai.payment.reconcile.interval}", delayed = "${kessai.payment.reconcile.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = ReconcilerSwitch.class)
    Uni<Void> scheduled() {
        return settleDue().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("P2P reconciliation pass failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** One pass over the due pending transfers (up to a batch): how many it tried. */
    public Uni<Integer> settleDue() {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE p2p_transfer SET next_attempt_at = now() + "
                + "make_interval(secs => $2), attempts = attempts + 1 WHERE id IN (SELECT id FROM p2p_transfer WHERE "
                + "status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP "
                + "LOCKED) RETURNING id, attempts, created_at <= now() - make_interval(secs => $3) AS refusal_final")
                .execute(Tuple.of(config.batchSize(), (double) LEASE.toSeconds(),
                        config.refusalHorizon().toMillis() / 1000.0)))
                .flatMap(claimed -> {
                    List<Row> rows = new ArrayList<>();
                    claimed.forEach(rows::add);
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return Multi.createFrom().iterable(rows).onItem()
                            .transformToUniAndMerge(row -> settle(row).onFailure(WalletUnavailable.class)
                                    .recoverWithUni(e -> later(row.getUUID("id"), row.getInteger("attempts"),
                                            e.getMessage())))
                            .collect().asList().map(List::size);
                });
    }

    private Uni<Void> settle(Row claimed) {
        UUID id = claimed.getUUID("id");
        boolean refusalFinal = claimed.getBoolean("refusal_final");
        return Transfers.stored(pool, id).flatMap(transfer -> ledger.transfer(id.toString(),
                Transfers.transferOf(transfer)))
                .flatMap(answer -> transfers.settle(id, answer, refusalFinal)
                        .flatMap(now -> now.terminal()
                                ? Uni.createFrom().voidItem()
                                : untilHorizon(id, answer.problemCode())));
    }

    /** Refused before the horizon: try again once no earlier copy can still post. */
    private Uni<Void> untilHorizon(UUID id, String why) {
        return pool.preparedQuery("UPDATE p2p_transfer SET next_attempt_at = created_at + make_interval(secs => $2), "
                + "last_error = $3 WHERE id = $1 AND status = 'pending'")
                .execute(Tuple.of(id, config.refusalHorizon().toMillis() / 1000.0, why + " before the refusal "
                        + "horizon"))
                .replaceWithVoid();
    }

    private Uni<Void> later(UUID id, int attempts, String reason) {
        double wait = backoff.after(attempts, bound -> ThreadLocalRandom.current().nextLong(bound)).toMillis() / 1000.0;
        return pool.preparedQuery("UPDATE p2p_transfer SET next_attempt_at = now() + make_interval(secs => $2), "
                + "last_error = $3 WHERE id = $1 AND status = 'pending'").execute(Tuple.of(id, wait, reason))
                .replaceWithVoid();
    }
}
