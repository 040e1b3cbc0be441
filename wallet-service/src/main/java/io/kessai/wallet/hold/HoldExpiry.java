package io.kessai.wallet.hold;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.ledger.LedgerStore;
import io.kessai.wallet.ledger.Posting;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Releases holds past their expiry, a batch at a time. Safe on any number of replicas: each run claims due holds with
 * {@code FOR UPDATE SKIP LOCKED}, so replicas share the work, and a hold being captured or voided is left to that
 * request.
 */
@ApplicationScoped
public class HoldExpiry {

    private static final Logger LOG = Logger.getLogger(HoldExpiry.class);

    private final Pool pool;
    private final LedgerStore store;
    private final WalletConfig.Holds config;
    private final MeterRegistry metrics;

    HoldExpiry(Pool pool, LedgerStore store, WalletConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.store = store;
        this.config = config.holds();
        this.metrics = metrics;
    }

    @Scheduled(every = "${kessai.wallet.holds.expiry-poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return releaseExpired()
                .onFailure().invoke(e -> LOG.warnf("Releasing expired holds failed (the next run retries): %s", e))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Releases one batch of expired holds; answers how many. */
    public Uni<Integer> releaseExpired() {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id, account_id, amount FROM hold "
                + "WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED")
                .execute(Tuple.of(config.expiryBatchSize()))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<UUID> holds = new ArrayList<>();
                    List<UUID> accounts = new ArrayList<>();
                    List<Long> amounts = new ArrayList<>();
                    TreeSet<Posting.Key> keys = new TreeSet<>(Posting.LOCK_ORDER);
                    for (Row row : rows) {
                        holds.add(row.getUUID("id"));
                        accounts.add(row.getUUID("account_id"));
                        amounts.add(row.getLong("amount"));
                        keys.add(new Posting.Key(row.getUUID("account_id"), 0));
                    }
                    return store.lock(tx, keys)
                            .flatMap(locked -> tx.preparedQuery("UPDATE account_shard s SET held = s.held - v.amount "
                                    + "FROM (SELECT account_id, sum(amount) AS amount FROM unnest($1::uuid[], $2::bigint[]) "
                                    + "AS r(account_id, amount) GROUP BY account_id) v "
                                    + "WHERE s.account_id = v.account_id AND s.shard = 0")
                                    .execute(Tuple.of(accounts.toArray(UUID[]::new), amounts.toArray(Long[]::new))))
                            .flatMap(
                                    ignored -> tx
                                            .preparedQuery("UPDATE hold SET status = 'expired', updated_at = now() "
                                                    + "WHERE id = ANY($1)")
                                            .execute(Tuple.of(holds.toArray(UUID[]::new))))
                            .map(ignored -> {
                                metrics.counter("kessai.wallet.holds.expired").increment(holds.size());
                                return holds.size();
                            });
                }));
    }
}
