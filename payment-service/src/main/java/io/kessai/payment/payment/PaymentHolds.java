package io.kessai.payment.payment;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.risk.Decision;
import io.kessai.payment.risk.HeldMovements;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.MoneyMovementGate;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Payments the risk engine held for a step-up or a review (status {@code held}: recorded, their order reserved,
 * nothing posted, nothing counted). The customer releases one by confirming it with a fresh step-up token (the same
 * request again under its key, or {@code POST /v1/payments/{id}/confirmation}, which is how a till's offline payment
 * is confirmed in the app): it is judged again and, allowed, posted at once. Ops approve or deny one from the review
 * list ({@link HeldMovements}): approved, it becomes pending and due, and the {@link Reconciler} posts it; denied or
 * expired, it fails with that reason and gives its order back.
 */
@ApplicationScoped
public class PaymentHolds implements HeldMovements {

    private final Pool pool;
    private final MoneyMovementGate gate;
    private final Ledger ledger;
    private final PaymentGroups groups;
    private final double graceSeconds;

    PaymentHolds(Pool pool, MoneyMovementGate gate, Ledger ledger, PaymentGroups groups, PaymentConfig config) {
        this.pool = pool;
        this.gate = gate;
        this.ledger = ledger;
        this.groups = groups;
        this.graceSeconds = config.reconcile().grace().toMillis() / 1000.0;
    }

    /** The answer to a held payment: what the customer must do, with where the payment is. */
    static ProblemException problem(UUID paymentId, ProblemException why) {
        return new ProblemException(why.status(), why.code(), why.title(), why.getMessage(), List.of(),
                Map.of("Location", "/v1/payments/" + paymentId));
    }

    /** The answer to a held payment as stored: its reason is kept as its failure until it goes on or fails. */
    static ProblemException problem(PaymentView payment) {
        String code = payment.failure() == null ? "step-up-required" : payment.failure().code();
        String detail = payment.failure() == null ? "This payment waits for a step-up." : payment.failure().detail();
        return problem(payment.paymentId(), new ProblemException(403, code, title(code), detail));
    }

    private static String title(String code) {
        String words = code.replace('-', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    @Override
    public Set<MoneyMovement.Kind> kinds() {
        return Set.of(MoneyMovement.Kind.MPM_PAYMENT, MoneyMovement.Kind.CPM_PAYMENT);
    }

    @Override
    public Uni<Void> proceed(SqlConnection tx, UUID id) {
        return tx
                .preparedQuery("UPDATE payment SET status = 'pending', hold_ended_at = now(), next_attempt_at = now(), "
                        + "failure_code = NULL, failure_detail = NULL, updated_at = now() WHERE id = $1 AND status = 'held'")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    @Override
    public Uni<Void> refuse(SqlConnection tx, UUID id, String code, String detail) {
        return tx.preparedQuery("UPDATE payment SET status = 'failed', failure_code = $2, failure_detail = $3, "
                + "updated_at = now() WHERE id = $1 AND status = 'held' RETURNING order_code_id")
                .execute(Tuple.of(id, code, detail)).flatMap(rows -> {
                    UUID order = rows.size() == 0 ? null : rows.iterator().next().getUUID("order_code_id");
                    return order == null
                            ? Uni.createFrom().voidItem()
                            : tx.preparedQuery("UPDATE order_code SET payment_id = NULL WHERE id = $1 "
                                    + "AND payment_id = $2").execute(Tuple.of(order, id)).replaceWithVoid();
                });
    }

    /**
     * The customer confirms a held payment of theirs with {@code actor} (who must carry a fresh step-up): judged
     * again; allowed, it is posted now and answered as it then is; still held (a review a step-up does not clear), or
     * refused, it is answered that problem (a refusal fails it). Another customer's payment, or one not held, is
     * answered as it is ({@code PAYMENT_NOT_FOUND} for another's).
     */
    public Uni<PaymentView> confirm(String customerId, UUID id, MoneyMovement.Actor actor) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id FROM payment WHERE id = $1 AND customer_id = $2 "
                + "FOR UPDATE").execute(Tuple.of(id, customerId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw PaymentProblem.PAYMENT_NOT_FOUND.exception("No payment " + id + ".");
                    }
                    return Payments.stored(tx, id);
                })
                .flatMap(payment -> {
                    if (!"HELD".equals(payment.view().status())) {
                        return Uni.createFrom().item(new Confirmed(payment, null));
                    }
                    MoneyMovement movement = movement(payment, actor);
                    return gate.judge(tx, movement).flatMap(decision -> {
                        if (decision.allowed()) {
                            return tx.preparedQuery("UPDATE payment SET status = 'pending', hold_ended_at = now(), "
                                    + "next_attempt_at = now() + make_interval(secs => $2), failure_code = NULL, "
                                    + "failure_detail = NULL, updated_at = now() WHERE id = $1")
                                    .execute(Tuple.of(id, graceSeconds))
                                    .flatMap(done -> Payments.stored(tx, id)).map(pending -> new Confirmed(pending,
                                            decision));
                        }
                        if (decision.outcome() == Decision.Outcome.DENY) {
                            return refuse(tx, id, decision.problem().code(), decision.problem().getMessage())
                                    .replaceWith(new Confirmed(payment, decision));
                        }
                        return Uni.createFrom().item(new Confirmed(payment, decision));
                    });
                }))
                .flatMap(confirmed -> {
                    if (confirmed.decision() == null) {
                        return Uni.createFrom().item(confirmed.payment().view());
                    }
                    if (!confirmed.decision().allowed()) {
                        throw problem(id, confirmed.decision().problem());
                    }
                    return post(confirmed.payment());
                });
    }

    private record Confirmed(Payments.Stored payment, Decision decision) {
    }

    /** Posts a payment that has just gone on, as its own request would have; the reconciler settles what is unknown. */
    private Uni<PaymentView> post(Payments.Stored payment) {
        return ledger.transfer(payment.id().toString(), Payments.transferOf(payment))
                .flatMap(answer -> groups.settle(List.of(payment.id()), List.of(answer), true).map(List::getFirst))
                // Not sent, or not known: it stays pending and due; the reconciler posts it under the same key.
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> Payments.stored(pool, payment.id())
                        .map(Payments.Stored::view));
    }

    static MoneyMovement movement(Payments.Stored payment, MoneyMovement.Actor actor) {
        PaymentView view = payment.view();
        MoneyMovement.Kind kind = view.kind().startsWith("MPM")
                ? MoneyMovement.Kind.MPM_PAYMENT
                : MoneyMovement.Kind.CPM_PAYMENT;
        return new MoneyMovement(kind, view.paymentId(), payment.customerId(), view.merchantId(), null,
                view.amount().amount(), view.createdAt().toInstant(), actor);
    }
}
