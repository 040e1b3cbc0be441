package io.kessai.payment.settlement;

import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles each active merchant with a bank account once its business day has closed (and
 * {@code kessai.payment.settlement.settle-after} has passed), then takes pending payouts further. Any replica may
 * run it at any time: a payout is unique per merchant and day and every step of it is idempotent.
 */
@ApplicationScoped
public class SettlementJob {

    private static final Logger LOG = Logger.getLogger(SettlementJob.class);

    private final Pool pool;
    private final Payouts payouts;
    private final SettlementConfig config;

    SettlementJob(Pool pool, Payouts payouts, SettlementConfig config) {
        this.pool = pool;
        this.payouts = payouts;
        this.config = config;
    }

    @Scheduled(every = "${kessai.payment.settlement.interval}", delayed = "${kessai.payment.settlement.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SettlementSwitch.class)
    Uni<Void> scheduled() {
        return runOnce().onFailure().invoke(e -> LOG.warnf(e, "settlement run failed; the next run goes on"))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** The latest business day that may be settled now: it ended at least settle-after ago. */
    public LocalDate dayToSettle() {
        return ZonedDateTime.now(Statements.JST).minus(config.settleAfter()).toLocalDate().minusDays(1);
    }

    /** One run: the day's payouts made (up to batch-size merchants), then due payouts advanced; how many made. */
    public Uni<Integer> runOnce() {
        LocalDate day = dayToSettle();
        return pool.preparedQuery("SELECT b.merchant_id FROM merchant_bank_account b JOIN merchant m ON m.id = "
                + "b.merchant_id WHERE m.status = 'active' AND NOT EXISTS (SELECT 1 FROM payout p WHERE "
                + "p.merchant_id = b.merchant_id AND p.business_date = $1) ORDER BY b.merchant_id LIMIT $2")
                .execute(Tuple.of(day, config.batchSize()))
                .flatMap(rows -> {
                    List<UUID> merchants = new ArrayList<>();
                    rows.forEach(row -> merchants.add(row.getUUID("merchant_id")));
                    return Multi.createFrom().iterable(merchants)
                            .onItem().transformToUniAndConcatenate(merchant -> payouts.settle(merchant, day)
                                    .onFailure().invoke(e -> LOG.warnf(e, "settling merchant %s for %s failed; "
                                            + "the next run tries again", merchant, day))
                                    .onFailure().recoverWithNull())
                            .collect().asList().map(List::size);
                })
                .call(made -> payouts.advanceDue());
    }
}
