package io.kessai.payment.payment;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.outbox.Outbox;
import io.kessai.payment.Money;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletAnswer;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Merchants' refunds of completed payments, keyed by the merchant's own {@code merchantRefundId}: full or partial,
 * several per payment, never above what remains (what pending and completed refunds hold is counted under the
 * payment's row lock). Each refund is one wallet-service {@code refund} transfer from the merchant's account to the
 * customer's wallet keyed by the refund's id, so it reaches a frozen wallet too and is never posted twice; an unknown
 * outcome stays {@code PENDING} for the {@link Reconciler}, exactly as a payment's does. Returning money is never
 * judged by the gate.
 */
@ApplicationScoped
public class Refunds {

    static final String COLUMNS = "r.id, r.payment_id, r.merchant_id, r.merchant_refund_id, r.request_sha256, r.amount, "
            + "r.reason, r.status, r.failure_code, r.failure_detail, r.created_at, r.completed_at, p.customer_id, "
            + "p.customer_account_id, p.merchant_account_id, p.store_id, p.currency, m.display_name";
    private static final String FROM = " FROM refund r JOIN payment p ON p.id = r.payment_id "
            + "JOIN merchant m ON m.id = r.merchant_id ";

    private final Pool pool;
    private final Ledger ledger;
    private final Outbox outbox;
    private final Duration grace;

    Refunds(Pool pool, Ledger ledger, Outbox outbox, PaymentConfig config) {
        this.pool = pool;
        this.ledger = ledger;
        this.outbox = outbox;
        this.grace = config.reconcile().grace();
    }

    /** A refund as stored, with what its transfer and receipt need. */
    record Stored(RefundView view, String requestSha256, UUID merchantId, UUID storeId, String customerId,
            UUID customerAccount, UUID merchantAccount, String merchantName) {

        UUID id() {
            return view.refundId();
        }
    }

    /** The answer to a refund request, and whether it was a retry answered with the refund as it now is. */
    public record Outcome(RefundView refund, boolean replayed) {
    }

    private record Step(Stored refund, boolean replayed) {
    }

    public Uni<Outcome> refund(Callers.Till till, RefundRequest request) {
        String sha256 = RequestDigest.sha256(List.of(request.paymentId().toString(), request.amount().amount(),
                request.reason() == null ? "" : request.reason()));
        UUID id = TimeOrderedUuid.next();
        long amount = request.amount().amount();
        return pool.withTransaction(tx -> byMerchantRefundId(tx, till.merchantId(), request.merchantRefundId())
                .flatMap(existing -> existing != null
                        ? Uni.createFrom().item(replay(existing, sha256, till))
                        : refundable(tx, till, request.paymentId(), amount).flatMap(payment -> tx.preparedQuery(
                                "INSERT INTO refund (id, payment_id, merchant_id, merchant_refund_id, request_sha256, "
                                        + "amount, reason, requested_by, status, next_attempt_at) VALUES ($1, $2, $3, "
                                        + "$4, $5, $6, $7, $8, 'pending', now() + make_interval(secs => $9)) "
                                        + "ON CONFLICT (merchant_id, merchant_refund_id) DO NOTHING RETURNING id")
                                .execute(Tuple.from(Arrays.asList(id, request.paymentId(), till.merchantId(),
                                        request.merchantRefundId(), sha256, amount, request.reason(), till.tillId(),
                                        grace.toMillis() / 1000.0)))
                                // No row inserted: the same merchantRefundId won a race, its refund is the answer.
                                .flatMap(inserted -> inserted.size() == 0
                                        ? byMerchantRefundId(tx, till.merchantId(), request.merchantRefundId())
                                                .map(winner -> replay(winner, sha256, till))
                                        : tx.preparedQuery("UPDATE payment SET refunded = refunded + $2, "
                                                + "updated_at = now() WHERE id = $1")
                                                .execute(Tuple.of(request.paymentId(), amount))
                                                .flatMap(held -> stored(tx, id))
                                                .map(fresh -> new Step(fresh, false))))))
                .flatMap(step -> step.replayed()
                        ? Uni.createFrom().item(new Outcome(step.refund().view(), true))
                        : send(step.refund()));
    }

    /** The payment under its row lock, if this till may refund {@code amount} of it now. */
    private static Uni<Row> refundable(SqlConnection tx, Callers.Till till, UUID paymentId, long amount) {
        return tx.preparedQuery("SELECT id, store_id, status, amount, refunded FROM payment WHERE id = $1 "
                + "AND merchant_id = $2 FOR UPDATE").execute(Tuple.of(paymentId, till.merchantId())).map(rows -> {
                    Row payment = rows.size() == 0 ? null : rows.iterator().next();
                    if (payment == null || !payment.getUUID("store_id").equals(till.storeId())) {
                        throw PaymentProblem.PAYMENT_NOT_FOUND.exception("No payment " + paymentId + " at this "
                                + "store.");
                    }
                    if (!"completed".equals(payment.getString("status"))) {
                        throw PaymentProblem.PAYMENT_NOT_REFUNDABLE.exception("Payment " + paymentId + " is "
                                + payment.getString("status") + "; only a completed payment can be refunded.");
                    }
                    long remaining = payment.getLong("amount") - payment.getLong("refunded");
                    if (amount > remaining) {
                        throw PaymentProblem.REFUND_EXCEEDS_REMAINING.exception("Only " + remaining + " JPY of "
                                + "this payment can still be refunded (refunds in flight count).");
                    }
                    return payment;
                });
    }

    private static Step replay(Stored existing, String sha256, Callers.Till till) {
        if (!existing.requestSha256().equals(sha256) || !existing.storeId().equals(till.storeId())) {
            throw PaymentProblem.MERCHANT_REFUND_ID_REUSED.exception("merchantRefundId "
                    + existing.view().merchantRefundId() + " was used for another refund; use a new id.");
        }
        return new Step(existing, true);
    }

    /** Posts the refund's transfer and records what wallet-service answered. */
    private Uni<Outcome> send(Stored refund) {
        return ledger.transfer(refund.id().toString(), transferOf(refund))
                .flatMap(answer -> settle(refund.id(), answer, true))
                .map(view -> new Outcome(view, false))
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> ((WalletUnavailable) e).maybeSent()
                        ? stored(pool, refund.id()).map(now -> new Outcome(now.view(), false))
                        : undo(refund).map(undone -> {
                            throw ProblemException.unavailable("Refunds cannot reach the ledger right now ("
                                    + e.getMessage() + "); nothing was refunded. Try again with the same "
                                    + "merchantRefundId.");
                        }));
    }

    /** The transfer of a refund: always the same body for the same refund, so a re-post is a true retry. */
    static JsonObject transferOf(Stored refund) {
        RefundView view = refund.view();
        return new JsonObject().put("kind", "refund").put("reference", "refund:" + view.refundId())
                .put("metadata", new JsonObject().put("paymentId", view.paymentId().toString())
                        .put("refundId", view.refundId().toString())
                        .put("merchantRefundId", view.merchantRefundId()))
                .put("legs", new JsonArray().add(new JsonObject()
                        .put("from", refund.merchantAccount().toString())
                        .put("to", refund.customerAccount().toString())
                        .put("amount", view.amount().amount()).put("currency", view.amount().currency())));
    }

    /**
     * Records wallet-service's answer for a pending refund: completed with its receipt, or failed with its reason and
     * its amount given back to the payment (only when {@code refusalFinal}). A settled refund is answered as it is.
     */
    Uni<RefundView> settle(UUID id, WalletAnswer answer, boolean refusalFinal) {
        if (answer.posted()) {
            return pool.withTransaction(tx -> tx.preparedQuery("UPDATE refund SET status = 'completed', "
                    + "transfer_id = $2, completed_at = now() WHERE id = $1 AND status = 'pending' RETURNING id")
                    .execute(Tuple.of(id, UUID.fromString(answer.body().getString("id"))))
                    .flatMap(updated -> stored(tx, id).call(refund -> updated.size() == 0
                            ? Uni.createFrom().voidItem()
                            : outbox.enqueue(tx, receipt(refund)))))
                    .invoke(outbox::wakeRelay)
                    .map(Stored::view);
        }
        if (!refusalFinal) {
            return stored(pool, id).map(Stored::view);
        }
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE refund SET status = 'failed', failure_code = $2, "
                + "failure_detail = $3 WHERE id = $1 AND status = 'pending' RETURNING payment_id, amount")
                .execute(Tuple.of(id, answer.problemCode(), answer.detail()))
                .flatMap(failed -> failed.size() == 0
                        ? Uni.createFrom().voidItem()
                        : giveBack(tx, failed.iterator().next()))
                .flatMap(done -> stored(tx, id)))
                .map(Stored::view);
    }

    /** A refund whose transfer cannot have left: removed, its amount refundable again, as if never asked for. */
    private Uni<Void> undo(Stored refund) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM refund WHERE id = $1 AND status = 'pending' "
                + "AND attempts = 0 RETURNING payment_id, amount").execute(Tuple.of(refund.id()))
                .flatMap(deleted -> deleted.size() == 0
                        ? Uni.createFrom().voidItem()
                        : giveBack(tx, deleted.iterator().next())));
    }

    private static Uni<Void> giveBack(SqlConnection tx, Row refund) {
        return tx.preparedQuery("UPDATE payment SET refunded = refunded - $2, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(refund.getUUID("payment_id"), refund.getLong("amount"))).replaceWithVoid();
    }

    static JsonObject receipt(Stored refund) {
        RefundView view = refund.view();
        JsonObject data = new JsonObject().put("paymentId", view.paymentId().toString())
                .put("refundId", view.refundId().toString()).put("merchantRefundId", view.merchantRefundId())
                .put("merchantName", refund.merchantName())
                .put("amount", new JsonObject().put("amount", view.amount().amount())
                        .put("currency", view.amount().currency()))
                .put("storeId", refund.storeId().toString());
        return new JsonObject().put("eventId", "refund:" + view.refundId() + ":completed")
                .put("type", "payment.refunded")
                .put("recipient", new JsonObject().put("userId", refund.customerId())
                        .put("merchantId", refund.merchantId().toString()))
                .put("data", data);
    }

    /** A refund of this till's store by the merchant's id for it; another store's answers 404. */
    public Uni<RefundView> ofTill(Callers.Till till, String merchantRefundId) {
        return byMerchantRefundId(pool, till.merchantId(), merchantRefundId).map(refund -> {
            if (refund == null || !refund.storeId().equals(till.storeId())) {
                throw PaymentProblem.REFUND_NOT_FOUND.exception("No refund " + merchantRefundId + " at this store.");
            }
            return refund.view();
        });
    }

    private static Uni<Stored> byMerchantRefundId(SqlClient client, UUID merchantId, String merchantRefundId) {
        return client
                .preparedQuery("SELECT " + COLUMNS + FROM + "WHERE r.merchant_id = $1 AND r.merchant_refund_id = $2")
                .execute(Tuple.of(merchantId, merchantRefundId))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    static Uni<Stored> stored(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + FROM + "WHERE r.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    private static Stored stored(Row row) {
        String failureCode = row.getString("failure_code");
        RefundView view = new RefundView(row.getUUID("id"), row.getString("merchant_refund_id"),
                row.getUUID("payment_id"), row.getString("status").toUpperCase(),
                new Money(row.getLong("amount"), row.getString("currency")), row.getString("reason"),
                failureCode == null ? null : new PaymentView.Failure(failureCode, row.getString("failure_detail")),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("completed_at"));
        return new Stored(view, row.getString("request_sha256"), row.getUUID("merchant_id"), row.getUUID("store_id"),
                row.getString("customer_id"), row.getUUID("customer_account_id"), row.getUUID("merchant_account_id"),
                row.getString("display_name"));
    }
}
