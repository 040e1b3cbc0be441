package io.kessai.payment.payment;

import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.outbox.Outbox;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.code.CodeProblem;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.risk.MoneyMovementGate;
import io.kessai.payment.risk.RiskReviews;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A till's cancel of an order, what it does when it lost the answer (as PayPay's cancel): afterwards no money has moved
 * for the order, or it is on its way back. Idempotent. An order with no payment is deleted, so none can come; a
 * completed payment (within {@code cancel-window}, not refunded) is reversed in full; a pending one is canceled at once,
 * so it can never complete, and settled once its outcome is known: its transfer is looked up by its key and reversed
 * if it was posted, or taken as never posted once the refusal horizon has passed (no earlier copy can still post, and
 * nothing re-posts a canceled payment). Until then its {@code cancel_state} is {@code due} and the {@link Reconciler}
 * keeps at it.
 *
 * <p>
 * Locks are taken payment first, then order, as everywhere else in this package, so a cancel never deadlocks with a
 * payment's completion.
 */
@ApplicationScoped
public class Cancels {

    private static final int ATTEMPTS = 3;

    private final Pool pool;
    private final Ledger ledger;
    private final MoneyMovementGate gate;
    private final RiskReviews reviews;
    private final Outbox outbox;
    private final Duration window;
    private final Duration horizon;

    Cancels(Pool pool, Ledger ledger, MoneyMovementGate gate, RiskReviews reviews, Outbox outbox,
            PaymentConfig config) {
        this.pool = pool;
        this.reviews = reviews;
        this.ledger = ledger;
        this.gate = gate;
        this.outbox = outbox;
        this.window = config.payments().cancelWindow();
        this.horizon = config.reconcile().refusalHorizon();
    }

    /** What a cancel did: the order is over; {@code payment} is its payment, if it had one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CancelView(String merchantPaymentId, String status, PaymentView payment) {
    }

    /** What the cancel's transaction decided: the payment it canceled now (null: none), or try again. */
    private record Decision(UUID paymentId, boolean fresh, boolean retry) {
    }

    public Uni<CancelView> cancel(Callers.Till till, String merchantPaymentId) {
        return attempt(till, merchantPaymentId, 1).flatMap(decision -> {
            if (decision.paymentId() == null) {
                return Uni.createFrom().item(new CancelView(merchantPaymentId, "CANCELED", null));
            }
            Uni<Void> settled = decision.fresh()
                    ? settle(decision.paymentId(), false).onFailure(WalletUnavailable.class).recoverWithNull()
                    : Uni.createFrom().voidItem();
            return settled.flatMap(done -> Payments.stored(pool, decision.paymentId()))
                    .map(payment -> new CancelView(merchantPaymentId, "CANCELED", payment.view()));
        });
    }

    private Uni<Decision> attempt(Callers.Till till, String merchantPaymentId, int attempt) {
        return pool.preparedQuery("SELECT id, store_id, payment_id FROM order_code WHERE merchant_id = $1 "
                + "AND merchant_payment_id = $2").execute(Tuple.of(till.merchantId(), merchantPaymentId))
                .flatMap(rows -> {
                    Row order = rows.size() == 0 ? null : rows.iterator().next();
                    if (order == null || !order.getUUID("store_id").equals(till.storeId())) {
                        throw CodeProblem.ORDER_NOT_FOUND.exception("No order " + merchantPaymentId
                                + " at this store.");
                    }
                    UUID orderId = order.getUUID("id");
                    UUID paymentId = order.getUUID("payment_id");
                    return pool.withTransaction(tx -> paymentId == null
                            ? deleteOrder(tx, orderId)
                            : cancelPayment(tx, orderId, paymentId));
                })
                .flatMap(decision -> decision.retry() && attempt < ATTEMPTS
                        ? attempt(till, merchantPaymentId, attempt + 1)
                        : Uni.createFrom().item(decision));
    }

    /** An order that no payment holds: deleted, unless a payment took it meanwhile (then start again). */
    private static Uni<Decision> deleteOrder(SqlConnection tx, UUID orderId) {
        return tx.preparedQuery("SELECT payment_id FROM order_code WHERE id = $1 FOR UPDATE").execute(Tuple.of(orderId))
                .flatMap(rows -> rows.iterator().next().getUUID("payment_id") != null
                        ? Uni.createFrom().item(new Decision(null, false, true))
                        : tx.preparedQuery("UPDATE order_code SET status = 'deleted', deleted_at = now() "
                                + "WHERE id = $1 AND status = 'created'").execute(Tuple.of(orderId))
                                .replaceWith(new Decision(null, false, false)));
    }

    private Uni<Decision> cancelPayment(SqlConnection tx, UUID orderId, UUID paymentId) {
        return tx.preparedQuery("SELECT status, refunded, created_at <= now() - make_interval(secs => $2) AS late "
                + "FROM payment WHERE id = $1 FOR UPDATE").execute(Tuple.of(paymentId, window.toSeconds() * 1.0))
                .flatMap(rows -> {
                    Row payment = rows.iterator().next();
                    String status = payment.getString("status");
                    if ("canceled".equals(status)) {
                        return Uni.createFrom().item(new Decision(paymentId, false, false));
                    }
                    if ("failed".equals(status)) {
                        // It gave its order back when it failed: the order itself is what is left to cancel.
                        return Uni.createFrom().item(new Decision(null, false, true));
                    }
                    if (payment.getLong("refunded") > 0) {
                        throw PaymentProblem.PAYMENT_REFUNDED.exception("This payment has refunds; refund the rest "
                                + "instead of canceling it.");
                    }
                    if ("completed".equals(status) && payment.getBoolean("late")) {
                        throw PaymentProblem.CANCEL_WINDOW_CLOSED.exception("A payment can be canceled for "
                                + window.toHours() + " h after it was made; refund it instead.");
                    }
                    // A held payment was never sent: its review ends with it (nothing else changes).
                    Uni<Void> review = "held".equals(status)
                            ? reviews.cancel(tx, paymentId)
                            : Uni.createFrom().voidItem();
                    return review.flatMap(reviewed -> tx.preparedQuery("UPDATE payment SET status = 'canceled', "
                            + "cancel_state = 'due', "
                            + "canceled_at = now(), updated_at = now(), next_attempt_at = CASE WHEN status = "
                            + "'pending' THEN created_at + make_interval(secs => $2) ELSE now() END WHERE id = $1")
                            .execute(Tuple.of(paymentId, horizon.toMillis() / 1000.0)))
                            .flatMap(canceled -> tx.preparedQuery("UPDATE order_code SET status = 'deleted', "
                                    + "deleted_at = now() WHERE id = $1").execute(Tuple.of(orderId)))
                            .replaceWith(new Decision(paymentId, true, false));
                });
    }

    /**
     * Settles a canceled payment's money, once: reverses its transfer when one was posted, or, once
     * {@code horizonPassed}, takes a transfer that is not there as never posted. Either way the payment's share of the
     * day's limit is given back and both sides get a receipt. Throws {@link WalletUnavailable} while wallet-service
     * cannot tell (or refuses the reversal): the cancel stays due.
     */
    Uni<Void> settle(UUID id, boolean horizonPassed) {
        return Payments.stored(pool, id).flatMap(payment -> {
            if (payment == null || !"due".equals(payment.cancelState())) {
                return Uni.createFrom().voidItem();
            }
            Uni<UUID> transfer = payment.transferId() != null
                    ? Uni.createFrom().item(payment.transferId())
                    : ledger.transferByKey(id.toString()).map(answer -> {
                        if (answer.posted()) {
                            return UUID.fromString(answer.body().getString("id"));
                        }
                        if (answer.status() == 404) {
                            return null;
                        }
                        throw new WalletUnavailable("wallet-service answered " + answer.status() + " ("
                                + answer.problemCode() + ") to the lookup of the payment's transfer", false, null);
                    });
            return transfer.flatMap(transferId -> {
                if (transferId == null) {
                    return horizonPassed ? finish(payment, null) : Uni.createFrom().voidItem();
                }
                return ledger.reverse("cancel:" + id, transferId).flatMap(answer -> {
                    if (!answer.posted()) {
                        throw new WalletUnavailable("wallet-service refused the reversal (" + answer.problemCode()
                                + "): " + answer.detail(), false, null);
                    }
                    return finish(payment, transferId);
                });
            });
        });
    }

    private Uni<Void> finish(Payments.Stored payment, UUID transferId) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE payment SET cancel_state = 'done', transfer_id = "
                + "coalesce(transfer_id, $2), cancel_settled_at = now(), updated_at = now() WHERE id = $1 AND cancel_state = 'due' RETURNING id")
                .execute(Tuple.of(payment.id(), transferId))
                .flatMap(updated -> updated.size() == 0
                        ? Uni.createFrom().voidItem()
                        : gate.release(tx, payment.movement())
                                .flatMap(released -> outbox.enqueue(tx, receipt(payment, transferId != null)))))
                .invoke(outbox::wakeRelay);
    }

    static JsonObject receipt(Payments.Stored payment, boolean reversed) {
        JsonObject receipt = Payments.receipt(payment.view(), payment.customerId());
        String id = payment.id().toString();
        receipt.getJsonObject("data").put("moneyReturned", reversed);
        return receipt.put("eventId", "pay:" + id + ":canceled").put("type", "payment.canceled");
    }
}
