package io.kessai.payment.p2p;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.outbox.Outbox;
import io.kessai.payment.Money;
import io.kessai.payment.PaymentConfig;
import io.kessai.payment.ledger.Ledger;
import io.kessai.payment.ledger.WalletAnswer;
import io.kessai.payment.ledger.WalletUnavailable;
import io.kessai.payment.payment.PaymentProblem;
import io.kessai.payment.payment.PaymentView;
import io.kessai.payment.payment.Payments;
import io.kessai.payment.risk.Decision;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.MoneyMovementGate;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Person-to-person transfers. The path: replay what the request's key already made; count the number against the
 * sender's lookups ({@link LookupLimit}); resolve it through auth-service ({@link Recipients}); learn both wallet
 * accounts; then, in one transaction, record the transfer and ask the {@link MoneyMovementGate}; post one
 * wallet-service {@code p2p} transfer keyed by the transfer's id; record the outcome with a receipt to each party (a
 * second transaction). As for payments, an unknown outcome stays {@code PENDING} for the {@link TransferReconciler},
 * and a call that cannot have left is undone and answered 503. A transfer the engine wants a step-up for is kept
 * {@code HELD} (nothing posted) until the same request comes with a step-up token, or ops decide
 * ({@link HeldTransfers}).
 */
@ApplicationScoped
public class Transfers {

    static final String COLUMNS = "id, sender_id, idempotency_key, request_sha256, recipient_id, recipient_name, "
            + "sender_name, amount, currency, message, status, sender_account_id, recipient_account_id, transfer_id, "
            + "failure_code, failure_detail, created_at, completed_at";
    private static final int DEFAULT_PAGE = 50;

    private final Pool pool;
    private final Ledger ledger;
    private final Outbox outbox;
    private final MoneyMovementGate gate;
    private final Recipients recipients;
    private final LookupLimit lookups;
    private final Duration grace;
    private final int maxPage;

    Transfers(Pool pool, Ledger ledger, Outbox outbox, MoneyMovementGate gate, Recipients recipients,
            LookupLimit lookups, PaymentConfig config) {
        this.pool = pool;
        this.ledger = ledger;
        this.outbox = outbox;
        this.gate = gate;
        this.recipients = recipients;
        this.lookups = lookups;
        this.grace = config.reconcile().grace();
        this.maxPage = config.p2p().maxPageSize();
    }

    /** A transfer as stored. */
    record Stored(UUID id, String senderId, String requestSha256, String recipientId, String recipientName,
            String senderName, long amount, String currency, String message, String status, UUID senderAccount,
            UUID recipientAccount, UUID transferId, String failureCode, String failureDetail, OffsetDateTime createdAt,
            OffsetDateTime completedAt) {

        MoneyMovement movement(MoneyMovement.Actor actor) {
            return new MoneyMovement(MoneyMovement.Kind.P2P, id, senderId, null, recipientId, amount,
                    createdAt.toInstant(), actor);
        }

        boolean terminal() {
            return "completed".equals(status) || "failed".equals(status);
        }

        /** What the sender sees. */
        TransferView sent() {
            return new TransferView(id, "SENT", status.toUpperCase(), new Money(amount, currency), message,
                    recipientName, failureCode == null ? null : new PaymentView.Failure(failureCode, failureDetail),
                    createdAt, completedAt);
        }

        /** What the recipient sees: only that it arrived, from whom, with what message. */
        TransferView received() {
            return new TransferView(id, "RECEIVED", status.toUpperCase(), new Money(amount, currency), message,
                    senderName, null, createdAt, completedAt);
        }

        TransferView seenBy(String reader) {
            return senderId.equals(reader) ? sent() : received();
        }
    }

    /** The answer to a transfer request, and whether it was a retry answered with the transfer as it now is. */
    public record Outcome(TransferView transfer, boolean replayed) {
    }

    /** A transfer to answer as it now is, without posting it. */
    private record AsItIs(Stored transfer) {
    }

    /** A step-up was asked for: the transfer is held; its problem names it in {@code Location}. */
    private record Held(Stored transfer, ProblemException problem) {
    }

    public Uni<Outcome> send(String senderId, MoneyMovement.Actor actor, String key, TransferRequest request) {
        Payments.requireKey(key);
        String sha256 = RequestDigest.sha256(request);
        return byKey(pool, senderId, key).flatMap(existing -> existing != null
                ? replay(existing, sha256, actor)
                : fresh(senderId, actor, key, sha256, request));
    }

    private Uni<Outcome> fresh(String senderId, MoneyMovement.Actor actor, String key, String sha256,
            TransferRequest request) {
        return lookups.take(senderId, request.phone())
                .flatMap(counted -> recipients.resolve(request.phone(), senderId))
                .flatMap(recipient -> {
                    if (recipient == null) {
                        throw P2pProblem.recipientUnavailable();
                    }
                    if (recipient.userId().equals(senderId)) {
                        throw P2pProblem.P2P_TO_SELF.exception("This is your own number; a transfer goes to "
                                + "someone else.");
                    }
                    return accounts(senderId, recipient.userId()).flatMap(accounts -> record(senderId, actor, key,
                            sha256, request, recipient, accounts));
                });
    }

    /** Both wallet accounts, from what this service learned before or from wallet-service. */
    private Uni<UUID[]> accounts(String senderId, String recipientId) {
        return pool.preparedQuery("SELECT customer_id, account_id FROM customer_account WHERE customer_id = "
                + "ANY($1::text[])").execute(Tuple.of(new String[]{senderId, recipientId})).flatMap(rows -> {
                    UUID[] known = new UUID[2];
                    rows.forEach(row -> known[row.getString("customer_id").equals(senderId) ? 0 : 1] = row.getUUID(
                            "account_id"));
                    return ledger.customerAccount(senderId, known[0])
                            .flatMap(sender -> ledger.customerAccount(recipientId, known[1])
                                    .map(recipient -> new UUID[]{sender, recipient}));
                })
                .onFailure(WalletUnavailable.class).transform(e -> ProblemException.unavailable("Transfers cannot "
                        + "reach the ledger right now; nothing was sent. Try again shortly."))
                .map(accounts -> {
                    if (accounts[0] == null) {
                        throw PaymentProblem.WALLET_NOT_FOUND.exception("You have no wallet to send from.");
                    }
                    if (accounts[1] == null) {
                        // Not opened yet, or closed: to the sender, a number that cannot receive like any other.
                        throw P2pProblem.recipientUnavailable();
                    }
                    return accounts;
                });
    }

    /** Records the transfer with the gate's decision (one transaction), then goes on as the decision says. */
    private Uni<Outcome> record(String senderId, MoneyMovement.Actor actor, String key, String sha256,
            TransferRequest request, Recipients.Recipient recipient, UUID[] accounts) {
        UUID id = TimeOrderedUuid.next();
        // The time as PostgreSQL keeps it, so the movement given back later is the one judged now.
        OffsetDateTime now = Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO p2p_transfer (id, sender_id, "
                + "idempotency_key, request_sha256, recipient_id, recipient_name, sender_name, amount, message, "
                + "status, sender_account_id, recipient_account_id, next_attempt_at, created_at) VALUES ($1, $2, $3, "
                + "$4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12::timestamptz + make_interval(secs => $13), $12) "
                + "ON CONFLICT (sender_id, idempotency_key) DO NOTHING RETURNING id")
                .execute(Tuple.from(Arrays.asList(id, senderId, key, sha256, recipient.userId(),
                        recipient.recipientName(), recipient.senderName(), request.amount().amount(),
                        request.message(), accounts[0], accounts[1], now, grace.toMillis() / 1000.0)))
                .flatMap(inserted -> inserted.size() == 0
                        // The same key won a race: its transfer is the answer.
                        ? Uni.createFrom().item((Object) null)
                        : stored(tx, id).flatMap(fresh -> gate.judge(tx, fresh.movement(actor))
                                .flatMap(decision -> decided(tx, fresh, decision)))))
                .flatMap(step -> step == null
                        ? byKey(pool, senderId, key).flatMap(winner -> replay(winner, sha256, actor))
                        : next(step));
    }

    /**
     * Applies a decision in the transaction that asked for it: ALLOW leaves the transfer pending (to be posted), a
     * STEP_UP holds it, a DENY removes it (its decision stays) and is answered its problem after the commit.
     */
    private Uni<Object> decided(SqlConnection tx, Stored transfer, Decision decision) {
        return switch (decision.outcome()) {
            case ALLOW -> tx.preparedQuery("UPDATE p2p_transfer SET status = 'pending', risk_decision_id = $2, "
                    + "next_attempt_at = now() + make_interval(secs => $3), updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(transfer.id(), decision.id(), grace.toMillis() / 1000.0))
                    .flatMap(updated -> stored(tx, transfer.id())).map(Object.class::cast);
            case STEP_UP -> tx.preparedQuery("UPDATE p2p_transfer SET status = 'held', risk_decision_id = $2, "
                    + "next_attempt_at = NULL, updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(transfer.id(), decision.id()))
                    .map(updated -> new Held(transfer, located(decision.problem(), transfer.id())));
            // Refused: the transfer is not kept, the decision is (it commits with this transaction).
            case DENY -> tx.preparedQuery("DELETE FROM p2p_transfer WHERE id = $1").execute(Tuple.of(transfer.id()))
                    .map(deleted -> new Refused(decision.problem()));
        };
    }

    /** A fresh transfer the engine refused: answered with its problem once the decision has committed. */
    private record Refused(ProblemException problem) {
    }

    /** After the recording transaction: post an allowed transfer, answer a held one with its problem. */
    private Uni<Outcome> next(Object step) {
        if (step instanceof Held held) {
            return Uni.createFrom().failure(held.problem());
        }
        if (step instanceof Refused refused) {
            return Uni.createFrom().failure(refused.problem());
        }
        return post((Stored) step);
    }

    private static ProblemException located(ProblemException problem, UUID id) {
        return new ProblemException(problem.status(), problem.code(), problem.title(), problem.getMessage(),
                problem.errors(), Map.of("Location", "/v1/p2p-transfers/" + id));
    }

    /**
     * A retry under a key already used: another body is refused; a held transfer is judged again (the retry may carry
     * the step-up the engine asked for); anything else is answered as it now is.
     */
    private Uni<Outcome> replay(Stored existing, String sha256, MoneyMovement.Actor actor) {
        if (!existing.requestSha256().equals(sha256)) {
            throw ProblemType.IDEMPOTENCY_KEY_REUSED.exception("This Idempotency-Key was used for another transfer; "
                    + "use a new key for a new transfer.");
        }
        if (!"held".equals(existing.status())) {
            return Uni.createFrom().item(new Outcome(existing.sent(), true));
        }
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id FROM p2p_transfer WHERE id = $1 AND status = "
                + "'held' FOR UPDATE").execute(Tuple.of(existing.id()))
                .flatMap(locked -> locked.size() == 0
                        // No longer held (ops decided meanwhile): answered as it now is.
                        ? stored(tx, existing.id()).map(now -> (Object) new AsItIs(now))
                        : gate.judge(tx, existing.movement(actor))
                                .flatMap(decision -> decision.outcome() == Decision.Outcome.DENY
                                        ? fail(tx, existing.id(), decision.problem().code(),
                                                decision.problem().getMessage())
                                                .flatMap(failed -> stored(tx, existing.id()))
                                                .map(now -> (Object) new AsItIs(now))
                                        : decided(tx, existing, decision))))
                .flatMap(step -> step instanceof AsItIs now
                        ? Uni.createFrom().item(new Outcome(now.transfer().sent(), true))
                        : next(step));
    }

    /** Posts the transfer and records what wallet-service answered. */
    private Uni<Outcome> post(Stored transfer) {
        return ledger.transfer(transfer.id().toString(), transferOf(transfer))
                .flatMap(answer -> settle(transfer.id(), answer, true))
                .map(now -> new Outcome(now.sent(), false))
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> ((WalletUnavailable) e).maybeSent()
                        ? stored(pool, transfer.id()).map(now -> new Outcome(now.sent(), false))
                        : undo(transfer).map(undone -> {
                            throw ProblemException.unavailable("Transfers cannot reach the ledger right now ("
                                    + e.getMessage() + "); nothing was sent. Try again with the same "
                                    + "Idempotency-Key.");
                        }));
    }

    /** The transfer of a P2P transfer: always the same body for the same transfer, so a re-post is a true retry. */
    static JsonObject transferOf(Stored transfer) {
        return new JsonObject().put("kind", "p2p").put("reference", "p2p:" + transfer.id())
                .put("metadata", new JsonObject().put("p2pTransferId", transfer.id().toString()))
                .put("legs", new JsonArray().add(new JsonObject()
                        .put("from", transfer.senderAccount().toString())
                        .put("to", transfer.recipientAccount().toString())
                        .put("amount", transfer.amount()).put("currency", transfer.currency())));
    }

    /**
     * Records wallet-service's answer for a pending transfer: completed with both receipts, or failed with its reason
     * and its amount given back to the gate (only when {@code refusalFinal}: no earlier copy can still post). A
     * transfer no longer pending is answered as it is.
     */
    Uni<Stored> settle(UUID id, WalletAnswer answer, boolean refusalFinal) {
        if (answer.posted()) {
            return pool.withTransaction(tx -> tx.preparedQuery("UPDATE p2p_transfer SET status = 'completed', "
                    + "transfer_id = $2, completed_at = now(), next_attempt_at = NULL, updated_at = now() "
                    + "WHERE id = $1 AND status = 'pending' RETURNING id")
                    .execute(Tuple.of(id, UUID.fromString(answer.body().getString("id"))))
                    .flatMap(updated -> stored(tx, id).call(now -> updated.size() == 0
                            ? Uni.createFrom().voidItem()
                            : outbox.enqueueAll(tx, receipts(now)))))
                    .invoke(outbox::wakeRelay);
        }
        if (!refusalFinal) {
            return stored(pool, id);
        }
        String code = failureCode(answer);
        // A recipient whose wallet refused is, to the sender, a number that cannot receive: the same words too.
        String detail = P2pProblem.RECIPIENT_UNAVAILABLE.code().equals(code)
                ? P2pProblem.recipientUnavailable().getMessage()
                : answer.detail();
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE p2p_transfer SET status = 'failed', failure_code "
                + "= $2, failure_detail = $3, next_attempt_at = NULL, updated_at = now() WHERE id = $1 AND status = "
                + "'pending' RETURNING id").execute(Tuple.of(id, code, detail))
                .flatMap(failed -> stored(tx, id).call(now -> failed.size() == 0
                        ? Uni.createFrom().voidItem()
                        : gate.release(tx, now.movement(MoneyMovement.Actor.UNKNOWN)))));
    }

    /**
     * The sender's side of a refusal: a frozen sender wallet is {@code wallet-frozen}; a frozen recipient wallet is,
     * to the sender, a number that cannot receive.
     */
    static String failureCode(WalletAnswer answer) {
        String code = answer.problemCode();
        if ("account-frozen".equals(code) || "account-closed".equals(code)) {
            JsonArray errors = answer.body().getJsonArray("errors");
            String field = errors == null || errors.isEmpty() ? "" : errors.getJsonObject(0).getString("field", "");
            return field.endsWith(".to")
                    ? P2pProblem.RECIPIENT_UNAVAILABLE.code()
                    : "account-frozen".equals(code) ? PaymentProblem.WALLET_FROZEN.code() : code;
        }
        return code;
    }

    /** A transfer whose transfer cannot have left: removed, its amount given back to the gate, as if never asked. */
    private Uni<Void> undo(Stored transfer) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM p2p_transfer WHERE id = $1 AND status = "
                + "'pending' AND attempts = 0 RETURNING id").execute(Tuple.of(transfer.id()))
                .flatMap(deleted -> deleted.size() == 0
                        ? Uni.createFrom().voidItem()
                        : gate.release(tx, transfer.movement(MoneyMovement.Actor.UNKNOWN))));
    }

    static Uni<Void> fail(SqlConnection tx, UUID id, String code, String detail) {
        return tx.preparedQuery("UPDATE p2p_transfer SET status = 'failed', failure_code = $2, failure_detail = $3, "
                + "next_attempt_at = NULL, updated_at = now() WHERE id = $1 AND status = 'held'")
                .execute(Tuple.of(id, code, detail)).replaceWithVoid();
    }

    /** {@code p2p.received} to the recipient (who sent it), {@code p2p.sent} to the sender (to whom). */
    static List<JsonObject> receipts(Stored transfer) {
        JsonObject amount = new JsonObject().put("amount", transfer.amount()).put("currency", transfer.currency());
        JsonObject received = new JsonObject().put("eventId", "p2p:" + transfer.id() + ":received")
                .put("type", "p2p.received")
                .put("recipient", new JsonObject().put("userId", transfer.recipientId()))
                .put("data", new JsonObject().put("transferId", transfer.id().toString())
                        .put("senderName", transfer.senderName()).put("amount", amount));
        JsonObject sent = new JsonObject().put("eventId", "p2p:" + transfer.id() + ":sent")
                .put("type", "p2p.sent")
                .put("recipient", new JsonObject().put("userId", transfer.senderId()))
                .put("data", new JsonObject().put("transferId", transfer.id().toString())
                        .put("recipientName", transfer.recipientName()).put("amount", amount.copy()));
        return List.of(received, sent);
    }

    /** A transfer its sender, or its recipient once it arrived, may read; anyone else's answers 404. */
    public Uni<TransferView> of(String reader, UUID id) {
        return stored(pool, id).map(transfer -> {
            if (transfer == null || !(transfer.senderId().equals(reader)
                    || (transfer.recipientId().equals(reader) && "completed".equals(transfer.status())))) {
                throw P2pProblem.TRANSFER_NOT_FOUND.exception("No transfer " + id + ".");
            }
            return transfer.seenBy(reader);
        });
    }

    /** A page of the reader's transfers, sent (any state) and received (completed), newest first. */
    public Uni<TransferPage> list(String reader, String cursor, Integer pageSize) {
        int limit = pageSize == null ? DEFAULT_PAGE : pageSize;
        if (limit < 1 || limit > maxPage) {
            throw ProblemException.invalidField("limit", "must be between 1 and " + maxPage);
        }
        TransferPage.Position after = TransferPage.position(cursor);
        String page = after == null ? "" : " AND (created_at, id) < ($2, $3)";
        List<Object> values = new ArrayList<>(Arrays.asList(reader));
        if (after != null) {
            values.add(after.createdAt());
            values.add(after.id());
        }
        values.add(limit + 1);
        String sql = "SELECT * FROM (SELECT " + COLUMNS + " FROM p2p_transfer WHERE sender_id = $1" + page
                + " UNION ALL SELECT " + COLUMNS + " FROM p2p_transfer WHERE recipient_id = $1 AND status = "
                + "'completed'" + page + ") t ORDER BY created_at DESC, id DESC LIMIT $" + values.size();
        return pool.preparedQuery(sql).execute(Tuple.from(values)).map(rows -> {
            List<TransferView> items = new ArrayList<>();
            rows.forEach(row -> items.add(stored(row).seenBy(reader)));
            if (items.size() <= limit) {
                return new TransferPage(items, null);
            }
            List<TransferView> first = List.copyOf(items.subList(0, limit));
            return new TransferPage(first, TransferPage.cursorAfter(first.getLast()));
        });
    }

    static Uni<Stored> byKey(SqlClient client, String senderId, String key) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM p2p_transfer WHERE sender_id = $1 AND "
                + "idempotency_key = $2").execute(Tuple.of(senderId, key))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    static Uni<Stored> stored(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM p2p_transfer WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    private static Stored stored(Row row) {
        return new Stored(row.getUUID("id"), row.getString("sender_id"), row.getString("request_sha256"),
                row.getString("recipient_id"), row.getString("recipient_name"), row.getString("sender_name"),
                row.getLong("amount"), row.getString("currency"), row.getString("message"), row.getString("status"),
                row.getUUID("sender_account_id"), row.getUUID("recipient_account_id"), row.getUUID("transfer_id"),
                row.getString("failure_code"), row.getString("failure_detail"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("completed_at"));
    }
}
