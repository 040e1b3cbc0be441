package io.kessai.payment.payment;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.cpm.CpmCode;
import io.kessai.cpm.CpmCodes;
import io.kessai.cpm.MalformedCpmCode;
import io.kessai.payment.cpm.CodeAttempts;
import io.kessai.payment.cpm.CpmConfig;
import io.kessai.payment.cpm.CpmProblem;
import io.kessai.payment.cpm.PaymentKeys;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.merchant.Payee;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Payments of customer-presented codes at a till. The code is checked without a lock (form, throttle, key, one-time
 * part within the window, key live), then the payment goes the way of every payment ({@link PaymentGroups}): its code
 * claimed under the key's row lock, the risk gate asked as an offline movement of the key's device, recorded, posted,
 * settled with its receipt, reconciled when its outcome is unknown. The till's Idempotency-Key (scoped to the till) and
 * its merchantPaymentId make a retry answer the same payment.
 */
@ApplicationScoped
public class CpmPayments {

    /** How many steps before the window a matching code is still recognised, to say "expired" rather than "invalid". */
    private static final int EXPIRED_STEPS = 10;

    private final Pool pool;
    private final Payments payments;
    private final PaymentGroups groups;
    private final Ledger ledger;
    private final PaymentKeys keys;
    private final CodeAttempts attempts;
    private final CpmConfig config;

    CpmPayments(Pool pool, Payments payments, PaymentGroups groups, Ledger ledger, PaymentKeys keys,
            CodeAttempts attempts, CpmConfig config) {
        this.pool = pool;
        this.payments = payments;
        this.groups = groups;
        this.ledger = ledger;
        this.keys = keys;
        this.attempts = attempts;
        this.config = config;
    }

    public Uni<Payments.Outcome> pay(Callers.Till till, String idempotencyKey, CpmPaymentRequest request) {
        Payments.requireKey(idempotencyKey);
        CpmCode code;
        try {
            code = CpmCodes.parse(request.code());
        } catch (MalformedCpmCode e) {
            throw CpmProblem.CODE_MALFORMED.exception("This is not a Kessai payment code: " + e.getMessage() + ".",
                    "code");
        }
        String key = "cpm/" + till.tillId() + "/" + idempotencyKey;
        String sha256 = RequestDigest.sha256(request);
        return pool.preparedQuery("SELECT id FROM payment WHERE merchant_id = $1 AND idempotency_key = $2 "
                + "AND kind = 'cpm'").execute(Tuple.of(till.merchantId(), key)).flatMap(rows -> rows.size() > 0
                        ? Payments.stored(pool, rows.iterator().next().getUUID("id"))
                                .flatMap(existing -> payments.replay(existing, sha256, MoneyMovement.Actor.UNKNOWN))
                        : attempts.check(till.tillId(), code.deviceReference())
                                .flatMap(allowed -> fresh(till, key, sha256, code, request)));
    }

    private Uni<Payments.Outcome> fresh(Callers.Till till, String key, String sha256, CpmCode code,
            CpmPaymentRequest request) {
        return keys.byReference(code.deviceReference()).flatMap(found -> {
            long step = found == null ? -1 : acceptedStep(found.secret(), code);
            if (found == null || step == Long.MIN_VALUE) {
                return attempts.fail(till.tillId(), code.deviceReference()).map(counted -> {
                    throw CpmProblem.CODE_INVALID.exception("This code is not valid; the customer shows a new one or "
                            + "pays in the app.", "code");
                });
            }
            if (step < 0) {
                throw CpmProblem.CODE_EXPIRED.exception("This code has expired (codes live "
                        + config.window().toSeconds() + " s); the customer shows a new one.");
            }
            if (!"active".equals(found.status())) {
                throw revoked();
            }
            if (found.userFrozen() || found.deviceFrozen()) {
                return keys.revokeFrozen(pool, found.id(), found.userFrozen() ? "user-frozen" : "device-frozen")
                        .map(done -> {
                            throw revoked();
                        });
            }
            return merchantPaymentIdFree(till, key, request.merchantPaymentId()).flatMap(copy -> copy != null
                    ? Payments.stored(pool, copy)
                            .flatMap(existing -> payments.replay(existing, sha256, MoneyMovement.Actor.UNKNOWN))
                    : charge(till, key, sha256, code, request, found, step));
        });
    }

    /** Charges a checked code: the payment drafted and put through the payment groups. */
    private Uni<Payments.Outcome> charge(Callers.Till till, String key, String sha256, CpmCode code,
            CpmPaymentRequest request, PaymentKeys.Live found, long step) {
        return payments.lookUp(till.storeId(), found.customerId(), key)
                .flatMap(place -> {
                    Payee payee = Payments.payable(place.payee());
                    return ledger.customerAccount(found.customerId(), place.customerAccount())
                            .flatMap(customerAccount -> ledger.merchantAccount(payee.merchantId(),
                                    payee.ledgerAccountId()).map(merchantAccount -> {
                                        if (customerAccount == null) {
                                            throw PaymentProblem.WALLET_NOT_FOUND.exception("The customer has no "
                                                    + "wallet to pay from.");
                                        }
                                        if (merchantAccount == null) {
                                            throw ProblemException.unavailable("This merchant's account is being "
                                                    + "opened; try again in a moment.");
                                        }
                                        return new PaymentGroups.Draft(TimeOrderedUuid.next(),
                                                found.customerId(), key, sha256, null, payee,
                                                request.amount().amount(), customerAccount, merchantAccount,
                                                Instant.now().truncatedTo(ChronoUnit.MICROS), found.actor(),
                                                new PaymentGroups.Cpm(found.id(), step, code.counter(),
                                                        request.merchantPaymentId(), till.terminalId()));
                                    }));
                })
                .onFailure(WalletUnavailable.class).transform(e -> ProblemException.unavailable("Payments cannot "
                        + "reach the ledger right now; nothing was charged. Try again shortly."))
                .flatMap(draft -> groups.pay(draft).map(view -> new Payments.Outcome(view, false))
                        .onFailure(PaymentGroups.LostRace.class).recoverWithUni(lost -> payments
                                .byKey(found.customerId(), key)
                                .flatMap(winner -> payments.replay(winner, sha256, MoneyMovement.Actor.UNKNOWN)))
                        .onFailure(CpmPayments::merchantPaymentIdTaken).transform(e -> reused()));
    }

    /**
     * The time step {@code code} was made in if it is accepted now (from {@code step - skew} to {@code step + window}),
     * a negative number if it matches an older step (expired), {@link Long#MIN_VALUE} if it matches none.
     */
    private long acceptedStep(byte[] secret, CpmCode code) {
        Instant now = Instant.now();
        long stepSeconds = config.step().toSeconds();
        long newest = CpmCodes.timeStep(now.plus(config.clockSkew()), config.step());
        long oldest = CpmCodes.timeStep(now.minus(config.window()), config.step()) - EXPIRED_STEPS;
        for (long step = newest; step >= oldest; step--) {
            if (CpmCodes.matches(secret, code, step)) {
                return now.getEpochSecond() < step * stepSeconds + config.window().toSeconds() ? step : -1;
            }
        }
        return Long.MIN_VALUE;
    }

    /**
     * Refuses a merchantPaymentId this merchant already used for another sale (a CPM payment or an order code). The
     * sale of a copy of this very request (same till and Idempotency-Key), committed since this request looked for it
     * by its key, is no other sale: its id is answered (null when the id is free), and the copy's payment is replayed.
     */
    private Uni<UUID> merchantPaymentIdFree(Callers.Till till, String key, String merchantPaymentId) {
        return pool.preparedQuery("SELECT (SELECT p.id FROM payment p WHERE p.merchant_id = $1 AND "
                + "p.merchant_payment_id = $2 AND p.kind = 'cpm' AND p.idempotency_key = $3) AS copy, "
                + "EXISTS (SELECT 1 FROM payment WHERE merchant_id = $1 AND merchant_payment_id = $2) OR EXISTS "
                + "(SELECT 1 FROM order_code WHERE merchant_id = $1 AND merchant_payment_id = $2) AS taken")
                .execute(Tuple.of(till.merchantId(), merchantPaymentId, key))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    UUID copy = row.getUUID("copy");
                    if (copy == null && row.getBoolean("taken")) {
                        throw reused();
                    }
                    return copy;
                });
    }

    private static boolean merchantPaymentIdTaken(Throwable failure) {
        return failure instanceof PgException pg && "payment_cpm_merchant_payment_id".equals(pg.getConstraint());
    }

    private static ProblemException reused() {
        return CpmProblem.MERCHANT_PAYMENT_ID_REUSED.exception("This merchantPaymentId is another sale's; use a new "
                + "one for a new sale.", "merchantPaymentId");
    }

    private static ProblemException revoked() {
        return CpmProblem.KEY_REVOKED.exception("This code's payment key was revoked; the customer pays in the app.");
    }
}
