package io.kessai.wallet.invariant;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Checks the ledger's invariants over one consistent snapshot (a read-only repeatable-read transaction, so transfers
 * posting meanwhile cannot cause a false alarm): money is conserved, every balance equals its entries, every entry's
 * running balance follows from the one before, no normal account is below what it reserves, reservations match the
 * active holds, every transfer and leg balances, and every entry and leg names rows that exist. Runs on a schedule and on demand; any discrepancy is logged as an
 * error and exported as {@code kessai_wallet_invariant_violations}.
 */
@ApplicationScoped
public class LedgerInvariants {

    private static final Logger LOG = Logger.getLogger(LedgerInvariants.class);
    /** Each check reports at most this many offending rows: enough to investigate, bounded for a broken ledger. */
    private static final int SAMPLE = 20;
    /** The advisory lock that lets one replica at a time run the scheduled check ("kessai:ledger-invariants"). */
    static final long LOCK_KEY = 0x4b455353_41490001L;

    private final Pool pool;
    private final MeterRegistry metrics;
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong lastCheckEpochSeconds = new AtomicLong();

    LedgerInvariants(Pool pool, MeterRegistry metrics) {
        this.pool = pool;
        this.metrics = metrics;
        metrics.gauge("kessai.wallet.invariant.violations", violations);
        metrics.gauge("kessai.wallet.invariant.last.check.timestamp.seconds", lastCheckEpochSeconds);
    }

    public record Discrepancy(String check, String detail) {
    }

    public record Report(boolean ok, OffsetDateTime checkedAt, long accounts, long entries,
            List<Discrepancy> discrepancies) {
    }

    /** One invariant: a query that returns nothing when it holds, or a row per violation with a description. */
    private record Check(String name, String sql) {
    }

    private static final List<Check> CHECKS = List.of(
            new Check("money-conserved", "SELECT 'currency ' || a.currency || ': accounts sum to ' || sum(s.balance) "
                    + "|| ', not 0' FROM account_shard s JOIN account a ON a.id = s.account_id GROUP BY a.currency "
                    + "HAVING sum(s.balance) <> 0"),
            new Check("balance-equals-entries", "SELECT 'account ' || s.account_id || ' sub-account ' || s.shard "
                    + "|| ': balance ' || s.balance || ', entries sum to ' || coalesce(e.total, 0) FROM account_shard s "
                    + "LEFT JOIN (SELECT account_id, shard, sum(amount) AS total FROM entry GROUP BY account_id, shard) e "
                    + "ON e.account_id = s.account_id AND e.shard = s.shard WHERE s.balance <> coalesce(e.total, 0)"),
            new Check("running-balance", "SELECT 'entry ' || id || ' of account ' || account_id || ': balance after ' "
                    + "|| balance_after || ' does not follow from the entry before' FROM (SELECT id, account_id, "
                    + "balance_after, balance_after - amount - lag(balance_after, 1, 0::bigint) OVER "
                    + "(PARTITION BY account_id, shard ORDER BY id) AS gap FROM entry) x WHERE gap <> 0"),
            new Check("no-negative-balance", "SELECT 'account ' || account_id || ' sub-account ' || shard "
                    + "|| ': balance ' || balance || ' below reserved ' || held FROM account_shard "
                    + "WHERE NOT may_go_negative AND (balance < 0 OR balance < held)"),
            new Check("held-equals-active-holds", "SELECT 'account ' || s.account_id || ': reserved ' || s.held "
                    + "|| ', active holds ' || coalesce(h.total, 0) FROM account_shard s LEFT JOIN (SELECT account_id, "
                    + "sum(amount) AS total FROM hold WHERE status = 'active' GROUP BY account_id) h "
                    + "ON h.account_id = s.account_id AND s.shard = 0 WHERE s.held <> coalesce(h.total, 0)"),
            new Check("transfer-balanced", "SELECT 'transfer ' || transfer_id || ' leg ' || leg || ': entries sum to ' "
                    + "|| sum(amount) FROM entry GROUP BY transfer_id, leg HAVING sum(amount) <> 0"),
            new Check("leg-posted", "SELECT 'transfer ' || l.transfer_id || ' leg ' || l.leg || ': moved ' "
                    + "|| coalesce(e.credited, 0) || ' of ' || l.amount FROM transfer_leg l LEFT JOIN (SELECT transfer_id, "
                    + "leg, sum(amount) FILTER (WHERE amount > 0) AS credited FROM entry GROUP BY transfer_id, leg) e "
                    + "ON e.transfer_id = l.transfer_id AND e.leg = l.leg WHERE coalesce(e.credited, 0) <> l.amount"),
            new Check("entry-references", "SELECT 'entry ' || e.id || ' names a missing ' || CASE WHEN t.id IS NULL "
                    + "THEN 'transfer ' || e.transfer_id ELSE 'sub-account ' || e.account_id || '/' || e.shard END "
                    + "FROM entry e LEFT JOIN transfer t ON t.id = e.transfer_id LEFT JOIN account_shard s "
                    + "ON s.account_id = e.account_id AND s.shard = e.shard WHERE t.id IS NULL OR s.account_id IS NULL "
                    + "UNION ALL SELECT 'leg ' || l.transfer_id || '/' || l.leg || ' names a missing transfer or account' "
                    + "FROM transfer_leg l LEFT JOIN transfer t ON t.id = l.transfer_id LEFT JOIN account f "
                    + "ON f.id = l.from_account LEFT JOIN account a ON a.id = l.to_account "
                    + "WHERE t.id IS NULL OR f.id IS NULL OR a.id IS NULL"));

    @Scheduled(every = "${kessai.wallet.invariants.check-interval}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return scheduledCheck().onFailure().invoke(e -> LOG.warnf("The ledger invariant check could not run: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** The scheduled run: null when another replica's scheduled run holds the lock. */
    Uni<Report> scheduledCheck() {
        return check(true);
    }

    /** Runs every check now (for ops: even while a scheduled run is going on elsewhere). */
    public Uni<Report> check() {
        return check(false);
    }

    /**
     * @param onceAcrossReplicas whether to skip (answer null) while another replica's scheduled check is running, so
     *        that N replicas do not scan the whole ledger N times over
     */
    private Uni<Report> check(boolean onceAcrossReplicas) {
        return pool.withTransaction(tx -> tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute()
                // Full scans of a large ledger take longer than a request may; this transaction alone may.
                .flatMap(ignored -> tx.query("SET LOCAL statement_timeout = 0").execute())
                .flatMap(ignored -> onceAcrossReplicas
                        ? tx.preparedQuery("SELECT pg_try_advisory_xact_lock($1) AS mine").execute(Tuple.of(LOCK_KEY))
                                .map(rows -> rows.iterator().next().getBoolean("mine"))
                        : Uni.createFrom().item(true))
                .flatMap(mine -> !mine ? Uni.createFrom().<Report>nullItem() : checkAll(tx)))
                .invoke(report -> {
                    if (report != null) {
                        record(report);
                    }
                });
    }

    private Uni<Report> checkAll(SqlConnection tx) {
        return run(tx, 0, new ArrayList<>())
                .flatMap(found -> tx.query("SELECT (SELECT count(*) FROM account) AS accounts, "
                        + "(SELECT count(*) FROM entry) AS entries").execute()
                        .map(rows -> {
                            Row counts = rows.iterator().next();
                            return new Report(found.isEmpty(), OffsetDateTime.now(ZoneOffset.UTC),
                                    counts.getLong("accounts"), counts.getLong("entries"), List.copyOf(found));
                        }));
    }

    private static Uni<List<Discrepancy>> run(SqlConnection tx, int index, List<Discrepancy> found) {
        if (index == CHECKS.size()) {
            return Uni.createFrom().item(found);
        }
        Check check = CHECKS.get(index);
        return tx.query(check.sql() + " LIMIT " + SAMPLE).execute().flatMap(rows -> {
            for (Row row : rows) {
                found.add(new Discrepancy(check.name(), row.getString(0)));
            }
            return run(tx, index + 1, found);
        });
    }

    private void record(Report report) {
        violations.set(report.discrepancies().size());
        lastCheckEpochSeconds.set(report.checkedAt().toEpochSecond());
        metrics.counter("kessai.wallet.invariant.checks", "outcome", report.ok() ? "ok" : "violated").increment();
        if (!report.ok()) {
            LOG.errorf("Ledger invariants violated (%d findings): %s", report.discrepancies().size(),
                    report.discrepancies());
        }
    }
}
