package io.kessai.payment.funding;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

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
 * Top-ups: charge one of the customer's cards through the {@link FundingGateway} and credit the wallet from funding
 * clearing. The path: replay what the request's key already made; find the card and both wallet accounts; in one
 * transaction record the top-up and ask the {@link MoneyMovementGate} (kind TOPUP, the card as the actor's funding
 * source); charge the card under our reference (the top-up's id, so a repeat is the same charge); post one
 * wallet-service {@code topup} transfer keyed by the top-up's id. An unknown charge outcome stays {@code PENDING}
 * (status {@code charging}) and the {@link TopupReconciler} asks the gateway by our reference; a charged top-up the
 * ledger has not answered for stays {@code crediting} and the reconciler re-posts it. A top-up the engine wants a
 * step-up for is {@code held} (nothing charged) until the same request comes with a step-up token or ops decide
 * ({@link HeldTopups}); a card whose issuer asks for a challenge waits in {@code challenge} until the same request
 * comes with a step-up token.
 */
@ApplicationScoped
public class Topups {

    private static final Logger LOG = Logger.getLogger(Topups.class);
    static final String COLUMNS = "id, customer_id, request_sha256, card_id, amount, currency, status, charge_sent, "
            + "account_id, clearing_account_id, transfer_id, failure_code, failure_detail, created_at, completed_at";
    /** What an issuer may decline a charge with; every other code is not a decline. */
    static final Set<String> DECLINES = Set.of("insufficient-funds", "card-declined", "expired-card");

    private final Pool pool;
    private final Ledger ledger;
    private final MoneyMovementGate gate;
    private final Cards cards;
    private final FundingGateway gateway;
    private final Duration grace;
    private final Outbox outbox;

    Topups(Pool pool, Ledger ledger, MoneyMovementGate gate, Cards cards, FundingGateway gateway,
            PaymentConfig config, Outbox outbox) {
        this.pool = pool;
        this.ledger = ledger;
        this.gate = gate;
        this.cards = cards;
        this.gateway = gateway;
        this.grace = config.reconcile().grace();
        this.outbox = outbox;
    }

    /** A top-up as stored. */
    record Stored(UUID id, String customerId, String requestSha256, UUID cardId, long amount, String currency,
            String status, boolean chargeSent, UUID account, UUID clearingAccount, UUID transferId,
            String failureCode, String failureDetail, OffsetDateTime createdAt, OffsetDateTime completedAt) {

        MoneyMovement movement(MoneyMovement.Actor actor) {
            return new MoneyMovement(MoneyMovement.Kind.TOPUP, id, customerId, null, null, amount,
                    createdAt.toInstant(), actor);
        }

        TopupView view() {
            String shown = switch (status) {
                case "held", "challenge" -> "HELD";
                case "charging", "crediting" -> "PENDING";
                default -> status.toUpperCase();
            };
            return new TopupView(id, cardId, shown, new Money(amount, currency),
                    failureCode == null ? null : new PaymentView.Failure(failureCode, failureDetail), createdAt,
                    completedAt);
        }
    }

    /** The answer to a top-up request, and whether it was a retry answered with the top-up as it now is. */
    public record Outcome(TopupView topup, boolean replayed) {
    }

    private record AsItIs(Stored topup) {
    }

    private record Refused(ProblemException problem) {
    }

    public Uni<Outcome> topUp(String customerId, MoneyMovement.Actor actor, String key, TopupRequest request) {
        Payments.requireKey(key);
        String sha256 = RequestDigest.sha256(request);
        MoneyMovement.Actor withCard = new MoneyMovement.Actor(actor.deviceId(), actor.deviceBoundAt(),
                actor.steppedUp(), false, request.cardId());
        return byKey(pool, customerId, key).flatMap(existing -> existing != null
                ? replay(existing, sha256, withCard)
                : fresh(customerId, withCard, key, sha256, request));
    }

    private Uni<Outcome> fresh(String customerId, MoneyMovement.Actor actor, String key, String sha256,
            TopupRequest request) {
        return cards.active(pool, customerId, request.cardId())
                .flatMap(card -> pool.preparedQuery("SELECT account_id FROM customer_account WHERE customer_id = "
                        + "$1").execute(Tuple.of(customerId)))
                .flatMap(rows -> ledger.customerAccount(customerId, rows.size() == 0
                        ? null
                        : rows.iterator().next().getUUID("account_id"))
                        .flatMap(account -> ledger.fundingClearing().map(clearing -> new UUID[]{account, clearing}))
                        .onFailure(WalletUnavailable.class).transform(e -> ProblemException.unavailable("Top-ups "
                                + "cannot reach the ledger right now; nothing was charged. Try again shortly.")))
                .flatMap(accounts -> {
                    if (accounts[0] == null) {
                        throw PaymentProblem.WALLET_NOT_FOUND.exception("You have no wallet to top up.");
                    }
                    if (accounts[1] == null) {
                        throw ProblemException.unavailable("The ledger has no funding clearing account yet; nothing "
                                + "was charged. Try again shortly.");
                    }
                    return record(customerId, actor, key, sha256, request, accounts);
                });
    }

    private Uni<Outcome> record(String customerId, MoneyMovement.Actor actor, String key, String sha256,
            TopupRequest request, UUID[] accounts) {
        UUID id = TimeOrderedUuid.next();
        OffsetDateTime now = Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO topup (id, customer_id, idempotency_key, "
                + "request_sha256, card_id, amount, status, account_id, clearing_account_id, next_attempt_at, "
                + "created_at) VALUES ($1, $2, $3, $4, $5, $6, 'charging', $7, $8, $9::timestamptz + "
                + "make_interval(secs => $10), $9) ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id")
                .execute(Tuple.from(Arrays.asList(id, customerId, key, sha256, request.cardId(),
                        request.amount().amount(), accounts[0], accounts[1], now, grace.toMillis() / 1000.0)))
                .flatMap(inserted -> inserted.size() == 0
                        ? Uni.createFrom().item((Object) null)
                        : stored(tx, id).flatMap(fresh -> gate.judge(tx, fresh.movement(actor))
                                .flatMap(decision -> decided(tx, fresh, decision)))))
                .flatMap(step -> step == null
                        ? byKey(pool, customerId, key).flatMap(winner -> replay(winner, sha256, actor))
                        : next(step, actor, true));
    }

    /** ALLOW: to be charged; STEP_UP: held; DENY: removed (its decision stays), answered after the commit. */
    private Uni<Object> decided(SqlConnection tx, Stored topup, Decision decision) {
        return switch (decision.outcome()) {
            case ALLOW -> tx.preparedQuery("UPDATE topup SET status = 'charging', risk_decision_id = $2, "
                    + "next_attempt_at = now() + make_interval(secs => $3), updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(topup.id(), decision.id(), grace.toMillis() / 1000.0))
                    .flatMap(updated -> stored(tx, topup.id())).map(Object.class::cast);
            case STEP_UP -> tx.preparedQuery("UPDATE topup SET status = 'held', risk_decision_id = $2, "
                    + "next_attempt_at = NULL, updated_at = now() WHERE id = $1")
                    .execute(Tuple.of(topup.id(), decision.id()))
                    .map(updated -> new Refused(located(decision.problem(), topup.id())));
            case DENY -> tx.preparedQuery("DELETE FROM topup WHERE id = $1").execute(Tuple.of(topup.id()))
                    .map(deleted -> new Refused(decision.problem()));
        };
    }

    private Uni<Outcome> next(Object step, MoneyMovement.Actor actor, boolean fresh) {
        if (step instanceof Refused refused) {
            return Uni.createFrom().failure(refused.problem());
        }
        if (step instanceof AsItIs now) {
            return Uni.createFrom().item(new Outcome(now.topup().view(), true));
        }
        return charge((Stored) step, actor.steppedUp(), fresh).map(now -> new Outcome(now.view(), !fresh));
    }

    private static ProblemException located(ProblemException problem, UUID id) {
        return new ProblemException(problem.status(), problem.code(), problem.title(), problem.getMessage(),
                problem.errors(), Map.of("Location", "/v1/topups/" + id));
    }

    /**
     * A retry under a key already used: another body is refused; a held top-up is judged again, a challenged one is
     * charged again with the step-up the retry carries; anything else is answered as it now is.
     */
    private Uni<Outcome> replay(Stored existing, String sha256, MoneyMovement.Actor actor) {
        if (!existing.requestSha256().equals(sha256)) {
            throw ProblemType.IDEMPOTENCY_KEY_REUSED.exception("This Idempotency-Key was used for another top-up; "
                    + "use a new key for a new top-up.");
        }
        if ("challenge".equals(existing.status())) {
            if (!actor.steppedUp()) {
                throw challenge(existing.id());
            }
            return charge(existing, true, false).map(now -> new Outcome(now.view(), true));
        }
        if (!"held".equals(existing.status())) {
            return Uni.createFrom().item(new Outcome(existing.view(), true));
        }
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id FROM topup WHERE id = $1 AND status = 'held' "
                + "FOR UPDATE").execute(Tuple.of(existing.id()))
                .flatMap(locked -> locked.size() == 0
                        ? stored(tx, existing.id()).map(now -> (Object) new AsItIs(now))
                        : gate.judge(tx, existing.movement(actor))
                                .flatMap(decision -> decision.outcome() == Decision.Outcome.DENY
                                        ? fail(tx, existing.id(), "held", decision.problem().code(),
                                                decision.problem().getMessage())
                                                .flatMap(failed -> stored(tx, existing.id()))
                                                .map(now -> (Object) new AsItIs(now))
                                        : decided(tx, existing, decision))))
                .flatMap(step -> next(step, actor, false));
    }

    private static ProblemException challenge(UUID id) {
        return FundingProblem.stepUpRequired("Your card's issuer asks you to confirm this top-up: step up and send "
                + "the same request again, same Idempotency-Key, with the step-up token.", "/v1/topups/" + id);
    }

    /**
     * Charges a top-up to be charged under its reference and goes on as the gateway answers. An unknown answer leaves
     * it {@code charging} for the reconciler; one that cannot have reached the gateway undoes a fresh top-up (503).
     */
    Uni<Stored> charge(Stored topup, boolean challengeCompleted, boolean fresh) {
        return pool.preparedQuery("UPDATE topup SET charge_sent = true, updated_at = now() WHERE id = $1 AND status "
                + "IN ('charging', 'challenge') RETURNING id").execute(Tuple.of(topup.id()))
                .flatMap(marked -> marked.size() == 0
                        ? stored(pool, topup.id())
                        : Cards.token(pool, topup.cardId())
                                .flatMap(token -> gateway.charge(topup.id().toString(), token, topup.amount(),
                                        topup.currency(), challengeCompleted))
                                .flatMap(charge -> charged(topup, charge, fresh))
                                .onFailure(FundingGateway.GatewayUnavailable.class).recoverWithUni(e -> {
                                    LOG.warnf("Top-up %s: the gateway gave no answer (%s); it stays pending",
                                            topup.id(), e.getMessage());
                                    return ((FundingGateway.GatewayUnavailable) e).maybeSent() || !fresh
                                            ? stored(pool, topup.id())
                                            : undo(topup).map(undone -> {
                                                throw ProblemException.unavailable("Top-ups cannot reach the card "
                                                        + "network right now; nothing was charged. Try again with "
                                                        + "the same Idempotency-Key.");
                                            });
                                }));
    }

    /** What the gateway answered for a top-up's charge, recorded; an approved charge goes on to the ledger. */
    Uni<Stored> charged(Stored topup, FundingGateway.Charge charge, boolean fresh) {
        return switch (charge.status()) {
            case APPROVED -> pool.preparedQuery("UPDATE topup SET status = 'crediting', gateway_charge_id = $2, "
                    + "next_attempt_at = now() + make_interval(secs => $3), updated_at = now() WHERE id = $1 AND "
                    + "status IN ('charging', 'challenge')")
                    .execute(Tuple.of(topup.id(), charge.chargeId(), grace.toMillis() / 1000.0))
                    .flatMap(updated -> stored(pool, topup.id()))
                    .flatMap(now -> "crediting".equals(now.status())
                            ? credit(now, fresh)
                            : Uni.createFrom()
                                    .item(now));
            case DECLINED -> {
                String code = DECLINES.contains(charge.declineCode()) ? charge.declineCode() : "card-declined";
                yield pool.withTransaction(tx -> tx.preparedQuery("UPDATE topup SET status = 'failed', failure_code "
                        + "= $2, failure_detail = $3, next_attempt_at = NULL, updated_at = now() WHERE id = $1 AND "
                        + "status IN ('charging', 'challenge') RETURNING id")
                        .execute(Tuple.of(topup.id(), code, "The card's issuer declined the charge ("
                                + code.replace('-', ' ') + "); nothing was charged."))
                        .flatMap(failed -> failed.size() == 0
                                ? Uni.createFrom().voidItem()
                                : gate.release(tx, topup.movement(MoneyMovement.Actor.UNKNOWN)))
                        .flatMap(released -> stored(tx, topup.id())));
            }
            case CHALLENGE_REQUIRED -> pool.preparedQuery("UPDATE topup SET status = 'challenge', next_attempt_at = "
                    + "NULL, updated_at = now() WHERE id = $1 AND status IN ('charging', 'challenge')")
                    .execute(Tuple.of(topup.id())).map(updated -> {
                        throw challenge(topup.id());
                    });
            // PENDING at the gateway, or (asked by reference) NOT_FOUND, which the reconciler charges again.
            default -> stored(pool, topup.id());
        };
    }

    /**
     * Posts the top-up's wallet transfer (keyed by its id) and records the answer. The card is charged by now, so
     * nothing is undone: a ledger away is a 503 with the top-up kept {@code crediting} for the reconciler, and a
     * refusal (a closed wallet) stays for ops to settle with the customer.
     */
    Uni<Stored> credit(Stored topup, boolean answering) {
        return ledger.transfer(topup.id().toString(), transferOf(topup))
                .flatMap(answer -> credited(topup, answer))
                .onFailure(WalletUnavailable.class).recoverWithUni(e -> {
                    if (answering) {
                        return Uni.createFrom().failure(ProblemException.unavailable("Your card was charged; the "
                                + "ledger cannot be reached right now, and the top-up will be credited as soon as it "
                                + "can. Ask again with the same Idempotency-Key."));
                    }
                    return Uni.createFrom().failure(e);
                });
    }

    private Uni<Stored> credited(Stored topup, WalletAnswer answer) {
        if (answer.posted()) {
            // Completed with its receipt in one transaction: only the copy that completes it queues the receipt.
            return pool.withTransaction(tx -> tx.preparedQuery("UPDATE topup SET status = 'completed', "
                    + "transfer_id = $2, completed_at = now(), next_attempt_at = NULL, updated_at = now() "
                    + "WHERE id = $1 AND status = 'crediting' RETURNING id")
                    .execute(Tuple.of(topup.id(), UUID.fromString(answer.body().getString("id"))))
                    .flatMap(updated -> updated.size() == 0
                            ? Uni.createFrom().voidItem()
                            : outbox.enqueue(tx, receipt(topup)))
                    .flatMap(queued -> stored(tx, topup.id())))
                    .invoke(outbox::wakeRelay);
        }
        if (!answer.definitive()) {
            return Uni.createFrom().failure(new WalletUnavailable("wallet-service answered HTTP " + answer.status(),
                    true, null));
        }
        LOG.errorf("Top-up %s was charged but wallet-service refused its credit (%s): it needs ops", topup.id(),
                answer.problemCode());
        return pool.preparedQuery("UPDATE topup SET last_error = $2, next_attempt_at = now() + interval '1 hour' "
                + "WHERE id = $1 AND status = 'crediting'").execute(Tuple.of(topup.id(), answer.problemCode()))
                .flatMap(updated -> stored(pool, topup.id()));
    }

    /** {@code topup.completed} to the customer: their wallet got the money (the app's stream, and email). */
    static JsonObject receipt(Stored topup) {
        return new JsonObject().put("eventId", "topup:" + topup.id() + ":completed").put("type", "topup.completed")
                .put("recipient", new JsonObject().put("userId", topup.customerId()))
                .put("data", new JsonObject().put("topupId", topup.id().toString()).put("amount",
                        new JsonObject().put("amount", topup.amount()).put("currency", topup.currency())));
    }

    /** The top-up's wallet transfer: always the same body for the same top-up, so a re-post is a true retry. */
    static JsonObject transferOf(Stored topup) {
        return new JsonObject().put("kind", "topup").put("reference", "topup:" + topup.id())
                .put("metadata", new JsonObject().put("topupId", topup.id().toString()))
                .put("legs", new JsonArray().add(new JsonObject()
                        .put("from", topup.clearingAccount().toString())
                        .put("to", topup.account().toString())
                        .put("amount", topup.amount()).put("currency", topup.currency())));
    }

    /** A fresh top-up whose charge cannot have left: removed, its amount given back to the gate. */
    private Uni<Void> undo(Stored topup) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM topup WHERE id = $1 AND status = 'charging' "
                + "RETURNING id").execute(Tuple.of(topup.id()))
                .flatMap(deleted -> deleted.size() == 0
                        ? Uni.createFrom().voidItem()
                        : gate.release(tx, topup.movement(MoneyMovement.Actor.UNKNOWN))));
    }

    static Uni<Void> fail(SqlConnection tx, UUID id, String from, String code, String detail) {
        return tx.preparedQuery("UPDATE topup SET status = 'failed', failure_code = $2, failure_detail = $3, "
                + "next_attempt_at = NULL, updated_at = now() WHERE id = $1 AND status = $4")
                .execute(Tuple.of(id, code, detail, from)).replaceWithVoid();
    }

    /** One of the customer's top-ups; anyone else's answers 404. */
    public Uni<TopupView> of(String customerId, UUID id) {
        return stored(pool, id).map(topup -> {
            if (topup == null || !topup.customerId().equals(customerId)) {
                throw FundingProblem.TOPUP_NOT_FOUND.exception("No top-up " + id + ".");
            }
            return topup.view();
        });
    }

    static Uni<Stored> byKey(SqlClient client, String customerId, String key) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM topup WHERE customer_id = $1 AND idempotency_key = "
                + "$2").execute(Tuple.of(customerId, key))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    static Uni<Stored> stored(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM topup WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    private static Stored stored(Row row) {
        return new Stored(row.getUUID("id"), row.getString("customer_id"), row.getString("request_sha256"),
                row.getUUID("card_id"), row.getLong("amount"), row.getString("currency"), row.getString("status"),
                row.getBoolean("charge_sent"), row.getUUID("account_id"), row.getUUID("clearing_account_id"),
                row.getUUID("transfer_id"), row.getString("failure_code"), row.getString("failure_detail"),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("completed_at"));
    }
}
