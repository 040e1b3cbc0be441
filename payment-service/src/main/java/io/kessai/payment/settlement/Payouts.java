package io.kessai.payment.settlement;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.retry.Backoff;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletAnswer;
import io.kessai.payment.ledger.WalletUnavailable;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Pays a merchant's business day out to its bank account: one payout row per (merchant, day), made from the day's
 * statement, then each step under an idempotency key derived from the payout id, so that retries and replicas repeat
 * a step's answer instead of its money: the fee transfer ({@code payout-fee:<id>}, merchant to fees), the payout
 * transfer ({@code payout:<id>}, merchant to payout clearing), the gateway's bank transfer (idempotent by the payout
 * id), and when the bank refuses, the reversal of the payout transfer ({@code payout-return:<id>}) so the money is
 * the merchant's again. A step whose outcome is unknown (wallet-service or the bank did not answer) is retried later
 * by {@link #advanceDue}; the bank is asked what became of a payout before it is sent again.
 */
@ApplicationScoped
public class Payouts {

    private static final Logger LOG = Logger.getLogger(Payouts.class);

    private static final String COLUMNS = "id, merchant_id, business_date, currency, gross, refunds, cancels, fee, "
            + "amount, merchant_account_id, bank_code, branch_code, account_type, account_number, holder_name, status, "
            + "fee_transfer_id, payout_transfer_id, sent, giving_back, return_transfer_id, gateway_reference, "
            + "failure_code, failure_detail, attempts, last_error, created_at, settled_at";

    /** A payout as stored (and as the owner and ops see it). */
    public record Payout(UUID id, UUID merchantId, LocalDate businessDate, String currency, long gross, long refunds,
            long cancels, long fee, long amount, String status, String bankCode, String branchCode,
            String accountNumber, UUID feeTransferId, UUID payoutTransferId, UUID returnTransferId,
            String gatewayReference, String failureCode, String failureDetail, int attempts, String lastError,
            OffsetDateTime createdAt, OffsetDateTime settledAt, @com.fasterxml.jackson.annotation.JsonIgnore Row row) {
    }

    private final Pool pool;
    private final Statements statements;
    private final Ledger ledger;
    private final PayoutGateway gateway;
    private final SettlementConfig config;

    Payouts(Pool pool, Statements statements, Ledger ledger, PayoutGateway gateway, SettlementConfig config) {
        this.pool = pool;
        this.statements = statements;
        this.ledger = ledger;
        this.gateway = gateway;
        this.config = config;
    }

    /**
     * Settles the merchant's (closed) business day and takes its payout as far as it can go now: the payout, or
     * null when the merchant has no bank account or no ledger account yet (nothing is made: a later run settles the
     * day if it is still the latest one due, ops any day). Idempotent: a second call finds the same payout and only
     * finishes what is left of it.
     */
    public Uni<Payout> settle(UUID merchantId, LocalDate day) {
        return ledger.merchantAccount(merchantId, null).flatMap(account -> account == null
                ? Uni.createFrom().nullItem()
                : claim(merchantId, day, account))
                .flatMap(payout -> payout == null ? Uni.createFrom().nullItem() : advance(payout));
    }

    /** Makes the day's payout row from its statement, unless it exists: either way the row. */
    private Uni<Payout> claim(UUID merchantId, LocalDate day, UUID account) {
        return pool.withTransaction(tx -> BankAccounts.of(tx, merchantId).flatMap(bank -> {
            if (bank == null) {
                return Uni.createFrom().nullItem();
            }
            return statements.of(tx, merchantId, day).flatMap(statement -> {
                Statements.Totals totals = statement.totals();
                String status = totals.net() > 0 ? "pending" : "skipped";
                return tx.preparedQuery("INSERT INTO payout (id, merchant_id, business_date, currency, gross, refunds, "
                        + "cancels, fee, amount, merchant_account_id, bank_code, branch_code, account_type, "
                        + "account_number, holder_name, status, settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                        + "$9, $10, $11, $12, $13, $14, $15, $16, CASE WHEN $16 = 'skipped' THEN now() END) "
                        + "ON CONFLICT (merchant_id, business_date) DO NOTHING")
                        .execute(Tuple.from(new Object[]{TimeOrderedUuid.next(), merchantId, day, statement.currency(),
                                totals.gross(), totals.refunds(), totals.cancels(), totals.fees(),
                                Math.max(totals.net(), 0), account, bank.bankCode(), bank.branchCode(),
                                bank.accountType(), bank.accountNumber(), bank.holderName(), status}));
            }).flatMap(inserted -> tx.preparedQuery("SELECT " + COLUMNS + " FROM payout WHERE merchant_id = $1 "
                    + "AND business_date = $2").execute(Tuple.of(merchantId, day))
                    .map(rows -> read(rows.iterator().next())));
        }));
    }

    /** Takes one payout further now, whatever its schedule (ops, and tests that do not wait for a timer). */
    public Uni<Payout> reconcile(UUID payoutId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM payout WHERE id = $1").execute(Tuple.of(payoutId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw SettlementProblem.PAYOUT_NOT_FOUND.exception("No payout " + payoutId + ".");
                    }
                    return advance(read(rows.iterator().next()));
                });
    }

    /** The merchant's payouts, newest day first. */
    public Uni<List<Payout>> ofMerchant(UUID merchantId, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM payout WHERE merchant_id = $1 ORDER BY "
                + "business_date DESC LIMIT $2").execute(Tuple.of(merchantId, limit)).map(rows -> {
                    List<Payout> payouts = new ArrayList<>();
                    rows.forEach(row -> payouts.add(read(row)));
                    return payouts;
                });
    }

    /**
     * Takes the pending payouts that are due (each leased for a while, so one replica works on it at a time) a step
     * further; how many were tried.
     */
    public Uni<Integer> advanceDue() {
        return pool.preparedQuery("UPDATE payout SET next_attempt_at = now() + make_interval(secs => $1) WHERE id IN "
                + "(SELECT id FROM payout WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY "
                + "next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS)
                .execute(Tuple.of(config.maxRetry().toSeconds() * 1.0, config.batchSize()))
                .flatMap(rows -> {
                    List<Uni<Payout>> steps = new ArrayList<>();
                    rows.forEach(row -> steps.add(advance(read(row)).onFailure().recoverWithNull()));
                    return steps.isEmpty()
                            ? Uni.createFrom().item(0)
                            : Uni.join().all(steps).andCollectFailures().map(List::size);
                });
    }

    /** The next step of a pending payout, and the ones after it while each is answered. */
    Uni<Payout> advance(Payout payout) {
        if (!"pending".equals(payout.status())) {
            return Uni.createFrom().item(payout);
        }
        Uni<Payout> step;
        if (payout.fee() > 0 && payout.feeTransferId() == null) {
            step = postFee(payout);
        } else if (payout.payoutTransferId() == null) {
            step = postPayout(payout);
        } else if (payout.row().getBoolean("giving_back")) {
            step = giveBack(payout, payout.failureCode(), payout.failureDetail());
        } else {
            step = payout.row().getBoolean("sent") ? ask(payout) : send(payout);
        }
        // Each step changes the row or defers it (one more attempt): go on until it is settled or deferred.
        return step.onFailure(WalletUnavailable.class).recoverWithUni(e -> later(payout, e.getMessage()))
                .flatMap(next -> next.attempts() > payout.attempts() || !"pending".equals(next.status())
                        ? Uni.createFrom().item(next)
                        : advance(next));
    }

    private Uni<Payout> postFee(Payout payout) {
        return ledger.systemAccount("fees").flatMap(fees -> ledger.transfer("payout-fee:" + payout.id(),
                transfer("fee", payout, fees, payout.fee())))
                .flatMap(answer -> afterTransfer(payout, answer, "fee_transfer_id"));
    }

    private Uni<Payout> postPayout(Payout payout) {
        return ledger.systemAccount("payout-clearing").flatMap(clearing -> ledger.transfer("payout:" + payout.id(),
                transfer("payout", payout, clearing, payout.amount())))
                .flatMap(answer -> afterTransfer(payout, answer, "payout_transfer_id"));
    }

    /** Records a posted transfer's id; a refusal fails the payout (nothing more moves); else it is tried later. */
    private Uni<Payout> afterTransfer(Payout payout, WalletAnswer answer, String column) {
        if (answer.posted()) {
            return update(payout, "UPDATE payout SET " + column + " = $2 WHERE id = $1 AND " + column + " IS NULL",
                    UUID.fromString(answer.body().getString("id")));
        }
        if (answer.definitive()) {
            // Nothing of this step was posted: a fee refused fails the payout before anything moved; a payout transfer
            // refused leaves the fee charged (it is due on the day's sales) and the rest in the merchant's account.
            return finish(payout, "failed", answer.problemCode(), answer.detail(), null);
        }
        return later(payout, "wallet-service answered " + answer.status());
    }

    private Uni<Payout> send(Payout payout) {
        BankAccounts.BankAccount account = new BankAccounts.BankAccount(payout.merchantId(), payout.bankCode(),
                payout.branchCode(), payout.row().getString("account_type"), payout.accountNumber(),
                payout.row().getString("holder_name"), 0, null);
        return update(payout, "UPDATE payout SET sent = true WHERE id = $1 AND NOT sent", null)
                .flatMap(marked -> gateway.send(new PayoutGateway.Order(payout.id(), payout.amount(),
                        payout.currency(), account)))
                .onFailure().recoverWithItem(e -> PayoutGateway.Outcome.unknown(e.getMessage()))
                .flatMap(outcome -> afterGateway(payout, outcome));
    }

    private Uni<Payout> ask(Payout payout) {
        return gateway.status(payout.id()).onFailure()
                .recoverWithItem(e -> PayoutGateway.Outcome.unknown(e.getMessage()))
                .flatMap(outcome -> outcome.state() == PayoutGateway.Outcome.State.NOT_FOUND
                        ? send(payout)
                        : afterGateway(payout, outcome));
    }

    private Uni<Payout> afterGateway(Payout payout, PayoutGateway.Outcome outcome) {
        return switch (outcome.state()) {
            case PAID -> finish(payout, "paid", null, null, outcome.reference());
            case FAILED -> update(payout, "UPDATE payout SET giving_back = true, failure_code = $2, failure_detail = "
                    + "$3 WHERE id = $1", outcome.code(), outcome.detail())
                    .flatMap(marked -> giveBack(marked, outcome.code(), outcome.detail()));
            default -> later(payout, outcome.detail() == null ? "the bank's answer is unknown" : outcome.detail());
        };
    }

    /** Reverses the payout transfer: the money is back in the merchant's account, and the payout failed. */
    private Uni<Payout> giveBack(Payout payout, String code, String detail) {
        return ledger.reverse("payout-return:" + payout.id(), payout.payoutTransferId()).flatMap(answer -> {
            if (answer.posted()) {
                return update(payout, "UPDATE payout SET return_transfer_id = $2 WHERE id = $1",
                        UUID.fromString(answer.body().getString("id")))
                        .flatMap(returned -> finish(returned, "failed", code, detail, null));
            }
            // A reversal of our own posted transfer is never refused for good; whatever it was, try again later.
            LOG.errorf("wallet-service answered %d (%s) to the return of payout %s", answer.status(),
                    answer.problemCode(), payout.id());
            return later(payout, "wallet-service answered " + answer.status() + " to the return");
        });
    }

    private Uni<Payout> finish(Payout payout, String status, String code, String detail, String reference) {
        return update(payout, "UPDATE payout SET status = $2, failure_code = coalesce($3, failure_code), "
                + "failure_detail = coalesce($4, failure_detail), gateway_reference = $5, settled_at = now() "
                + "WHERE id = $1 AND status = 'pending'", status, code, detail, reference);
    }

    /** Records why the step did not finish and when to try again (backing off). */
    private Uni<Payout> later(Payout payout, String error) {
        Duration wait = new Backoff(config.retry(), config.maxRetry()).after(payout.attempts() + 1,
                bound -> ThreadLocalRandom.current().nextLong(bound));
        return update(payout, "UPDATE payout SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + "
                + "make_interval(secs => $3) WHERE id = $1", error, wait.toMillis() / 1000.0);
    }

    /** Runs {@code sql} with the payout id as $1 and {@code params} after it; the row as it is afterwards. */
    private Uni<Payout> update(Payout payout, String sql, Object... params) {
        Object[] all = new Object[params == null ? 1 : params.length + 1];
        all[0] = payout.id();
        if (params != null) {
            System.arraycopy(params, 0, all, 1, params.length);
        }
        return pool.preparedQuery(sql).execute(Tuple.from(all))
                .flatMap(done -> pool.preparedQuery("SELECT " + COLUMNS + " FROM payout WHERE id = $1")
                        .execute(Tuple.of(payout.id())))
                .map(rows -> read(rows.iterator().next()));
    }

    private static JsonObject transfer(String kind, Payout payout, UUID to, long amount) {
        return new JsonObject().put("kind", kind).put("reference", kind + ":" + payout.id())
                .put("metadata", new JsonObject().put("payoutId", payout.id().toString())
                        .put("businessDate", payout.businessDate().toString()))
                .put("legs", new JsonArray().add(new JsonObject()
                        .put("from", payout.row().getUUID("merchant_account_id").toString())
                        .put("to", to.toString()).put("amount", amount).put("currency", payout.currency())));
    }

    private static Payout read(Row row) {
        return new Payout(row.getUUID("id"), row.getUUID("merchant_id"), row.getLocalDate("business_date"),
                row.getString("currency"), row.getLong("gross"), row.getLong("refunds"), row.getLong("cancels"),
                row.getLong("fee"), row.getLong("amount"), row.getString("status"), row.getString("bank_code"),
                row.getString("branch_code"), row.getString("account_number"), row.getUUID("fee_transfer_id"),
                row.getUUID("payout_transfer_id"), row.getUUID("return_transfer_id"),
                row.getString("gateway_reference"), row.getString("failure_code"), row.getString("failure_detail"),
                row.getInteger("attempts"), row.getString("last_error"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("settled_at"), row);
    }
}
