package io.kessai.payment.settlement;

import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.problem.ProblemException;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.merchant.MerchantProblem;
import io.kessai.payment.merchant.MerchantStatus;
import io.kessai.payment.merchant.MerchantView;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Settles each active merchant with a bank account once its business day has closed (and
 * {@code kessai.payment.settlement.settle-after} has passed), then takes pending payouts further; and settles one
 * merchant's earlier day when ops ask. Any replica may run it at any time, and ops alongside: a payout is unique per
 * merchant and day and every step of it is idempotent.
 */
@ApplicationScoped
public class SettlementJob {

    private static final Logger LOG = Logger.getLogger(SettlementJob.class);

    private final Pool pool;
    private final Payouts payouts;
    private final BankAccounts bankAccounts;
    private final SettlementConfig config;

    SettlementJob(Pool pool, Payouts payouts, BankAccounts bankAccounts, SettlementConfig config) {
        this.pool = pool;
        this.payouts = payouts;
        this.bankAccounts = bankAccounts;
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

    /**
     * Settles one merchant's day at an operator's request ({@code by}), as a run would have. A run settles only the
     * latest day due, so a day it passed over stays unsettled: the merchant was frozen or had no bank account yet
     * then, or no run succeeded between settle-after and the next midnight (wallet-service or this service down).
     * Any day up to {@link #dayToSettle()} may be settled this way; the payout, made now or before, taken as far as
     * it goes now.
     */
    public Uni<Payouts.Payout> settle(MerchantView merchant, LocalDate day, String by) {
        if (day.isAfter(dayToSettle())) {
            throw SettlementProblem.SETTLEMENT_NOT_DUE.exception("The business day " + day + " (JST) is settled from "
                    + config.settleAfter().toMinutes() + " min past its end, so that outcomes committed late are on "
                    + "its statement first.");
        }
        if (MerchantStatus.FROZEN.wire().equals(merchant.status())) {
            throw MerchantProblem.MERCHANT_FROZEN.exception("Merchant " + merchant.id() + " is frozen: it is not "
                    + "paid out until it is unfrozen; then its days can be settled.");
        }
        if (!MerchantStatus.ACTIVE.wire().equals(merchant.status())) {
            throw MerchantProblem.MERCHANT_NOT_ACTIVE.exception("Merchant " + merchant.id() + " is "
                    + merchant.status() + ": only an active merchant is paid out.");
        }
        return bankAccounts.of(merchant.id())
                .flatMap(account -> payouts.settle(merchant.id(), day))
                .onFailure(WalletUnavailable.class).transform(e -> ProblemException.unavailable("wallet-service "
                        + "did not answer; nothing was settled. Try again in a moment."))
                .map(payout -> {
                    if (payout == null) {
                        // The bank account is there, so the ledger account is not open yet (the outbox opens it).
                        throw ProblemException.unavailable("The ledger account of merchant " + merchant.id()
                                + " is not open yet; nothing was settled. Try again in a moment.");
                    }
                    LOG.infof("%s settled merchant %s for %s: payout %s is %s", by, merchant.id(), day, payout.id(),
                            payout.status());
                    return payout;
                });
    }
}
