package io.kessai.payment.payment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.payment.Money;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletAnswer;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.merchant.MerchantProblem;
import io.kessai.payment.merchant.MerchantStatus;
import io.kessai.payment.merchant.Payee;
import io.kessai.payment.qr.MpmCode;
import io.kessai.payment.qr.MpmCodec;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.MoneyMovementGate;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Customer payments of merchant-presented codes. The path: parse the payload strictly, find the store (and any payment
 * already made under the request's key) and check its merchant is active; then, with whatever other payments are
 * waiting ({@link PaymentGroups}), check the order (dynamic codes) under its row lock, ask the
 * {@link io.kessai.payment.risk.MoneyMovementGate}, record the payment {@code pending} (one transaction), post one
 * wallet-service transfer keyed by the payment's id, then record the outcome with its receipt (a second transaction).
 * An outcome that is not known (timeout, 5xx) leaves the payment
 * pending for the {@link Reconciler}, which re-posts the same transfer under the same key; a call that cannot have left
 * (open breaker, full bulkhead) is undone and answered 503, so a retry under the same key starts afresh.
 */
@ApplicationScoped
public class Payments {

    static final String COLUMNS = "p.id, p.customer_id, p.idempotency_key, p.request_sha256, p.status, p.kind, "
            + "p.amount, p.currency, p.refunded, p.merchant_id, p.store_id, m.display_name, p.merchant_payment_id, "
            + "p.terminal_id, p.failure_code, p.failure_detail, p.created_at, p.completed_at, p.canceled_at, "
            + "p.customer_account_id, p.merchant_account_id, p.order_code_id, p.transfer_id, p.cancel_state";
    private static final String FROM = " FROM payment p JOIN merchant m ON m.id = p.merchant_id ";
    private static final int DEFAULT_PAGE = 50;

    private final Pool pool;
    private final MpmCodec codec;
    private final Ledger ledger;
    private final PaymentGroups groups;
    /** Looked up when needed: the holds post through the groups too. */
    private final Instance<PaymentHolds> holds;
    private final int maxPage;

    Payments(Pool pool, MpmCodec codec, Ledger ledger, PaymentGroups groups, Instance<PaymentHolds> holds,
            PaymentConfig config) {
        this.pool = pool;
        this.holds = holds;
        this.codec = codec;
        this.ledger = ledger;
        this.groups = groups;
        this.maxPage = config.payments().maxPageSize();
    }

    /** A payment as stored, with what the flow needs besides its view. */
    record Stored(PaymentView view, String customerId, String requestSha256, UUID customerAccount,
            UUID merchantAccount, UUID orderCodeId, UUID transferId, String cancelState) {

        UUID id() {
            return view.paymentId();
        }

        MoneyMovement movement() {
            return PaymentHolds.movement(this, MoneyMovement.Actor.UNKNOWN);
        }
    }

    /** The answer to a payment request, and whether it was a retry answered with the payment as it now is. */
    public record Outcome(PaymentView payment, boolean replayed) {
    }

    /**
     * 400 {@code missing-idempotency-key} unless {@code key} is 1 to 200 of A-Z a-z 0-9 . _ : - (what wallet-service
     * takes): every money-moving POST needs one.
     */
    public static void requireKey(String key) {
        if (key == null || !key.matches("[A-Za-z0-9._:-]{1,200}")) {
            throw ProblemType.MISSING_IDEMPOTENCY_KEY.exception("Send an Idempotency-Key header (1 to 200 of "
                    + "A-Z a-z 0-9 . _ : -) and reuse it when you retry.");
        }
    }

    public Uni<Outcome> pay(String customerId, MoneyMovement.Actor actor, String idempotencyKey,
            PaymentRequest request) {
        requireKey(idempotencyKey);
        MpmCode code = codec.decode(request.payload());
        String sha256 = RequestDigest.sha256(request);
        UUID storeId = storeOf(code);
        return lookUp(storeId, customerId, idempotencyKey).flatMap(found -> found.existing() != null
                ? replay(found.existing(), sha256, actor)
                : fresh(customerId, actor, idempotencyKey, sha256, code, request, found));
    }

    private Uni<Outcome> fresh(String customerId, MoneyMovement.Actor actor, String key, String sha256, MpmCode code,
            PaymentRequest request, Found found) {
        Payee payee = payable(found.payee());
        long amount = amountOf(code, request);
        return ledger.customerAccount(customerId, found.customerAccount())
                .flatMap(customerAccount -> ledger.merchantAccount(payee.merchantId(), payee.ledgerAccountId())
                        .map(merchantAccount -> {
                            if (customerAccount == null) {
                                throw PaymentProblem.WALLET_NOT_FOUND.exception("You have no wallet to pay from.");
                            }
                            if (merchantAccount == null) {
                                throw ProblemException.unavailable("This merchant's account is being opened; "
                                        + "try again in a moment.");
                            }
                            // The time as PostgreSQL keeps it, so that the payment built from it is the one a read
                            // would give.
                            return new PaymentGroups.Draft(TimeOrderedUuid.next(), customerId, key, sha256, code,
                                    payee, amount, customerAccount, merchantAccount,
                                    Instant.now().truncatedTo(ChronoUnit.MICROS), actor);
                        }))
                .onFailure(WalletUnavailable.class).transform(e -> ProblemException.unavailable(
                        "Payments cannot reach the ledger right now; nothing was charged. Try again shortly."))
                .flatMap(draft -> groups.pay(draft).map(view -> new Outcome(view, false))
                        .onFailure(PaymentGroups.LostRace.class)
                        .recoverWithUni(lost -> byKey(customerId, key).flatMap(winner -> replay(winner, sha256,
                                MoneyMovement.Actor.UNKNOWN))));
    }

    /** The transfer of a payment: always the same body for the same payment, so a re-post is a true retry. */
    static JsonObject transferOf(Stored payment) {
        PaymentView view = payment.view();
        JsonObject metadata = new JsonObject().put("paymentId", view.paymentId().toString())
                .put("storeId", view.storeId().toString());
        if (view.merchantPaymentId() != null) {
            metadata.put("merchantPaymentId", view.merchantPaymentId());
        }
        return new JsonObject().put("kind", "payment").put("reference", "payment:" + view.paymentId())
                .put("metadata", metadata)
                .put("legs", new JsonArray().add(new JsonObject()
                        .put("from", payment.customerAccount().toString())
                        .put("to", payment.merchantAccount().toString())
                        .put("amount", view.amount().amount()).put("currency", view.amount().currency())));
    }

    /**
     * Records wallet-service's answer for a pending payment: completed with its receipt, or failed with its reason
     * (only when {@code refusalFinal}: no earlier copy of the transfer can still be on its way). A payment that is no
     * longer pending (settled by another replica, canceled) is answered as it is.
     */
    Uni<PaymentView> settle(UUID id, WalletAnswer answer, boolean refusalFinal) {
        return groups.settle(List.of(id), List.of(answer), refusalFinal).map(List::getFirst);
    }

    static String failureCode(WalletAnswer answer) {
        String code = answer.problemCode();
        if ("account-frozen".equals(code)) {
            JsonArray errors = answer.body().getJsonArray("errors");
            String field = errors == null || errors.isEmpty() ? "" : errors.getJsonObject(0).getString("field", "");
            return field.endsWith(".to") ? MerchantProblem.MERCHANT_FROZEN.code() : PaymentProblem.WALLET_FROZEN.code();
        }
        return code;
    }

    static JsonObject receipt(PaymentView payment, String customerId) {
        JsonObject data = new JsonObject().put("paymentId", payment.paymentId().toString())
                .put("merchantName", payment.merchantName())
                .put("amount", new JsonObject().put("amount", payment.amount().amount())
                        .put("currency", payment.amount().currency()))
                .put("storeId", payment.storeId().toString());
        if (payment.merchantPaymentId() != null) {
            data.put("merchantPaymentId", payment.merchantPaymentId());
        }
        return new JsonObject().put("eventId", "pay:" + payment.paymentId() + ":completed")
                .put("type", "payment.completed")
                .put("recipient", new JsonObject().put("userId", customerId)
                        .put("merchantId", payment.merchantId().toString()))
                .put("data", data);
    }

    /**
     * A retry under the payment's key: answered as the payment now is, except that a held payment retried with a
     * fresh step-up is confirmed now ({@link PaymentHolds#confirm}).
     */
    Uni<Outcome> replay(Stored existing, String sha256, MoneyMovement.Actor actor) {
        if (!existing.requestSha256().equals(sha256)) {
            throw ProblemType.IDEMPOTENCY_KEY_REUSED.exception("This Idempotency-Key was used for another payment; "
                    + "use a new key for a new payment.");
        }
        if ("HELD".equals(existing.view().status()) && actor.steppedUp()) {
            return holds.get().confirm(existing.customerId(), existing.id(), actor)
                    .map(view -> new Outcome(view, false));
        }
        return Uni.createFrom().item(new Outcome(existing.view(), true));
    }

    /** Refuses a dynamic code's order (null: none) unless it can be paid now with the code's amount. */
    static void checkOrder(Row order, MpmCode code) {
        if (order == null) {
            throw PaymentProblem.ORDER_NOT_FOUND.exception("This code names no order of this store.");
        }
        String status = order.getString("status");
        if ("deleted".equals(status)) {
            throw PaymentProblem.ORDER_DELETED.exception("The shop deleted this order; ask for a new code.");
        }
        if ("paid".equals(status) || order.getUUID("payment_id") != null) {
            throw PaymentProblem.ORDER_ALREADY_PAID.exception("This order is paid or being paid.");
        }
        if (order.getBoolean("expired")) {
            throw PaymentProblem.ORDER_EXPIRED.exception("This code has expired; ask for a new one.");
        }
        if (order.getLong("amount") != code.amountYen().longValue()) {
            throw PaymentProblem.AMOUNT_MISMATCH.exception("The code's amount (tag 54) is not the order's.");
        }
    }

    private static UUID storeOf(MpmCode code) {
        try {
            return UUID.fromString(code.merchantReference());
        } catch (IllegalArgumentException e) {
            throw PaymentProblem.MERCHANT_UNKNOWN.exception("This code names no Kessai store.");
        }
    }

    /**
     * What a payment request needs to know first: the store's payee (null: no such store), the customer's wallet
     * account as this service knows it (null: not learned yet), and the payment already made under the request's key
     * (then nothing else matters).
     */
    record Found(Payee payee, UUID customerAccount, Stored existing) {
    }

    /** The store with its merchant, the customer's account and the key's payment: one round trip, two for a retry. */
    Uni<Found> lookUp(UUID storeId, String customerId, String key) {
        return pool.preparedQuery("SELECT " + Payee.COLUMNS + ", (SELECT account_id FROM customer_account WHERE "
                + "customer_id = $2) AS customer_account, (SELECT id FROM payment WHERE customer_id = $2 AND "
                + "idempotency_key = $3) AS existing FROM store s JOIN merchant m ON m.id = s.merchant_id "
                + "WHERE s.id = $1").execute(Tuple.of(storeId, customerId, key)).flatMap(rows -> {
                    Row row = rows.size() == 0 ? null : rows.iterator().next();
                    if (row == null) {
                        return Uni.createFrom().item(new Found(null, null, null));
                    }
                    Found found = new Found(Payee.of(row), row.getUUID("customer_account"), null);
                    UUID existing = row.getUUID("existing");
                    return existing == null
                            ? Uni.createFrom().item(found)
                            : stored(pool, existing).map(payment -> new Found(found.payee(), found.customerAccount(),
                                    payment));
                });
    }

    /** The store's payee if it may be paid now. */
    static Payee payable(Payee payee) {
        if (payee != null && payee.merchantStatus() == MerchantStatus.FROZEN) {
            throw MerchantProblem.MERCHANT_FROZEN.exception("This shop cannot take payments now.");
        }
        if (payee == null || payee.merchantStatus() != MerchantStatus.ACTIVE || !payee.storeActive()) {
            throw PaymentProblem.MERCHANT_UNKNOWN.exception("This code names no store that takes payments.");
        }
        return payee;
    }

    private static long amountOf(MpmCode code, PaymentRequest request) {
        Long typed = request.amount() == null ? null : request.amount().amount();
        if (code.kind() == MpmCode.Kind.DYNAMIC) {
            if (typed != null && typed.longValue() != code.amountYen().longValue()) {
                throw PaymentProblem.AMOUNT_MISMATCH.exception("The amount sent (" + typed + " JPY) is not the "
                        + "code's (" + code.amountYen() + " JPY).");
            }
            return code.amountYen();
        }
        if (typed == null) {
            throw PaymentProblem.AMOUNT_REQUIRED.exception("A store's code carries no amount: send the amount the "
                    + "customer entered.");
        }
        return typed;
    }

    /** The customer's payment; anyone else's answers 404 like one that does not exist. */
    public Uni<PaymentView> ofCustomer(String customerId, UUID id) {
        return stored(pool, id).map(payment -> {
            if (payment == null || !payment.customerId().equals(customerId)) {
                throw PaymentProblem.PAYMENT_NOT_FOUND.exception("No payment " + id + ".");
            }
            return payment.view();
        });
    }

    /** The payment of a merchant's order, by the merchant's own id; {@code storeId} narrows it to one store. */
    public Uni<PaymentView> ofMerchant(UUID merchantId, UUID storeId, String merchantPaymentId) {
        return pool
                .preparedQuery("SELECT " + COLUMNS + FROM + "WHERE p.merchant_id = $1 AND p.merchant_payment_id = $2 "
                        + "ORDER BY p.created_at DESC LIMIT 1")
                .execute(Tuple.of(merchantId, merchantPaymentId))
                .map(rows -> {
                    Stored payment = rows.size() == 0 ? null : stored(rows.iterator().next());
                    if (payment == null || (storeId != null && !payment.view().storeId().equals(storeId))) {
                        throw PaymentProblem.PAYMENT_NOT_FOUND.exception("No payment for order " + merchantPaymentId
                                + ".");
                    }
                    return payment.view();
                });
    }

    /**
     * Whose payments a listing shows: a customer's ({@code customerId}) or a merchant's ({@code merchantId}, narrowed
     * to one store by {@code storeId}), made in {@code [from, to)} when given, a page of {@code limit} after
     * {@code cursor}.
     */
    public record Listing(String customerId, UUID merchantId, UUID storeId, OffsetDateTime from, OffsetDateTime to,
            String cursor, Integer limit) {
    }

    /** A page of payments, newest first. */
    public Uni<PaymentPage> list(Listing listing) {
        int limit = listing.limit() == null ? DEFAULT_PAGE : listing.limit();
        if (limit < 1 || limit > maxPage) {
            throw ProblemException.invalidField("limit", "must be between 1 and " + maxPage);
        }
        if (listing.from() != null && listing.to() != null && !listing.from().isBefore(listing.to())) {
            throw ProblemException.invalidField("from", "must be before to");
        }
        PaymentPage.Position after = PaymentPage.position(listing.cursor());
        List<Object> values = new ArrayList<>();
        StringBuilder where = new StringBuilder();
        BiConsumer<String, List<Object>> and = (condition, bound) -> {
            for (Object value : bound) {
                values.add(value);
                condition = condition.replaceFirst("\\?", "\\$" + values.size());
            }
            where.append(where.isEmpty() ? "WHERE " : " AND ").append(condition);
        };
        if (listing.customerId() != null) {
            and.accept("p.customer_id = ?", List.of(listing.customerId()));
        } else {
            and.accept("p.merchant_id = ?", List.of(listing.merchantId()));
        }
        if (listing.storeId() != null) {
            and.accept("p.store_id = ?", List.of(listing.storeId()));
        }
        if (listing.from() != null) {
            and.accept("p.created_at >= ?", List.of(listing.from()));
        }
        if (listing.to() != null) {
            and.accept("p.created_at < ?", List.of(listing.to()));
        }
        if (after != null) {
            and.accept("(p.created_at, p.id) < (?, ?)", List.of(after.createdAt(), after.id()));
        }
        values.add(limit + 1);
        return pool.preparedQuery("SELECT " + COLUMNS + FROM + where + " ORDER BY p.created_at DESC, p.id DESC LIMIT $"
                + values.size()).execute(Tuple.from(values)).map(rows -> {
                    List<PaymentView> items = new ArrayList<>();
                    rows.forEach(row -> items.add(stored(row).view()));
                    if (items.size() <= limit) {
                        return new PaymentPage(items, null);
                    }
                    List<PaymentView> page = items.subList(0, limit);
                    return new PaymentPage(List.copyOf(page), PaymentPage.cursorAfter(page.getLast()));
                });
    }

    Uni<Stored> byKey(String customerId, String key) {
        return pool.preparedQuery("SELECT " + COLUMNS + FROM + "WHERE p.customer_id = $1 AND p.idempotency_key = $2")
                .execute(Tuple.of(customerId, key))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    /** The payments of {@code ids} as stored, in that order. */
    static Uni<List<Stored>> storedAll(SqlClient client, List<UUID> ids) {
        return client.preparedQuery("SELECT " + COLUMNS + FROM + "WHERE p.id = ANY($1::uuid[])")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).map(rows -> {
                    Map<UUID, Stored> byId = new HashMap<>();
                    rows.forEach(row -> byId.put(row.getUUID("id"), stored(row)));
                    return ids.stream().map(byId::get).toList();
                });
    }

    static Uni<Stored> stored(SqlClient client, UUID id) {
        return storedAll(client, List.of(id)).map(List::getFirst);
    }

    private static String cancelSettlement(String cancelState, UUID transferId) {
        if (cancelState == null) {
            return null;
        }
        return "due".equals(cancelState) ? "PENDING" : transferId != null ? "REVERSED" : "NOTHING_CHARGED";
    }

    static Stored stored(Row row) {
        long amount = row.getLong("amount");
        long refunded = row.getLong("refunded");
        String currency = row.getString("currency");
        String failureCode = row.getString("failure_code");
        PaymentView view = new PaymentView(row.getUUID("id"), row.getString("status").toUpperCase(),
                row.getString("kind").toUpperCase(), new Money(amount, currency), new Money(refunded, currency),
                refunded == 0 ? "NONE" : refunded == amount ? "REFUNDED" : "PARTIALLY_REFUNDED",
                row.getUUID("merchant_id"), row.getUUID("store_id"), row.getString("display_name"),
                row.getString("merchant_payment_id"), row.getString("terminal_id"),
                failureCode == null ? null : new PaymentView.Failure(failureCode, row.getString("failure_detail")),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("completed_at"),
                row.getOffsetDateTime("canceled_at"), cancelSettlement(row.getString("cancel_state"),
                        row.getUUID("transfer_id")));
        return new Stored(view, row.getString("customer_id"), row.getString("request_sha256"),
                row.getUUID("customer_account_id"), row.getUUID("merchant_account_id"), row.getUUID("order_code_id"),
                row.getUUID("transfer_id"), row.getString("cancel_state"));
    }
}
