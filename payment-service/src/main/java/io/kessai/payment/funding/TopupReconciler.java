package io.kessai.payment.funding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.payment.ReconcilerSwitch;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles top-ups whose outcome is not known yet. A {@code charging} one whose charge may have reached the gateway is
 * asked about by our reference (the top-up's id): approved goes on to the ledger, declined fails and gives its amount
 * back to the gate, still pending waits; one the gateway never saw (or one ops approved from the review list) is
 * charged under the same reference, which the gateway treats as the same charge. A {@code crediting} one is re-posted
 * to wallet-service under the same key until it answers. Backs off while a dependency is away; safe on every replica
 * (rows claimed with {@code FOR UPDATE SKIP LOCKED} and a lease).
 */
@ApplicationScoped
public class TopupReconciler {

    private static final Logger LOG = Logger.getLogger(TopupReconciler.class);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final Pool pool;
    private final Topups topups;
    private final FundingGateway gateway;
    private final PaymentConfig.Reconcile config;
    private final Backoff backoff;

    TopupReconciler(Pool pool, Topups topups, FundingGateway gateway, PaymentConfig config) {
        this.pool = pool;
        this.topups = topups;
        this.gateway = gateway;
        this.config = config.reconcile();
        this.backoff = new Backoff(this.config.grace(), this.config.maxBackoff());
    }

    @Scheduled(every = "${kessai.payment.reconcile.interval}", delayed = "${kessai.payment.reconcile.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = ReconcilerSwitch.class)
    Uni<Void> scheduled() {
        return settleDue().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Top-up reconciliation pass failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** One pass over the due top-ups (up to a batch): how many it tried. */
    public Uni<Integer> settleDue() {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE topup SET next_attempt_at = now() + "
                + "make_interval(secs => $2), attempts = attempts + 1 WHERE id IN (SELECT id FROM topup WHERE status "
                + "IN ('charging', 'crediting') AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR "
                + "UPDATE SKIP LOCKED) RETURNING id, attempts")
                .execute(Tuple.of(config.batchSize(), (double) LEASE.toSeconds())))
                .flatMap(claimed -> {
                    List<Row> rows = new ArrayList<>();
                    claimed.forEach(rows::add);
                    if (rows.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    return Multi.createFrom().iterable(rows).onItem()
                            .transformToUniAndMerge(row -> settle(row.getUUID("id"))
                                    .onFailure(e -> e instanceof WalletUnavailable
                                            || e instanceof FundingGateway.GatewayUnavailable)
                                    .recoverWithUni(e -> later(row.getUUID("id"), row.getInteger("attempts"),
                                            e.getMessage())))
                            .collect().asList().map(List::size);
                });
    }

    private Uni<Void> settle(UUID id) {
        return Topups.stored(pool, id).flatMap(topup -> switch (topup.status()) {
            case "crediting" -> topups.credit(topup, false);
            case "charging" -> topup.chargeSent()
                    ? gateway.status(id.toString()).flatMap(charge -> charge.status() == FundingGateway.Status.NOT_FOUND
                            ? topups.charge(topup, false, false)
                            : topups.charged(topup, charge, false))
                    : topups.charge(topup, false, false);
            default -> Uni.createFrom().item(topup);
        }).onFailure(io.kessai.common.problem.ProblemException.class).recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> later(UUID id, int attempts, String reason) {
        double wait = backoff.after(attempts, bound -> ThreadLocalRandom.current().nextLong(bound)).toMillis() / 1000.0;
        return pool.preparedQuery("UPDATE topup SET next_attempt_at = now() + make_interval(secs => $2), last_error = "
                + "$3 WHERE id = $1 AND status IN ('charging', 'crediting')").execute(Tuple.of(id, wait, reason))
                .replaceWithVoid();
    }
}
