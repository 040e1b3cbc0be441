package io.kessai.wallet.hold;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.account.AccountDirectory;
import io.kessai.wallet.account.AccountInfo;
import io.kessai.wallet.account.AccountKind;
import io.kessai.wallet.ledger.LedgerProblem;
import io.kessai.wallet.ledger.LedgerStore;
import io.kessai.wallet.ledger.Posting;
import io.kessai.wallet.ledger.SubAccount;
import io.kessai.wallet.ledger.TransferKind;
import io.kessai.wallet.ledger.TransferView;
import io.kessai.wallet.ledger.Transfers;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Two-phase payments on a customer wallet: a hold reserves money (it stays in the balance but is no longer
 * available), then a capture turns all or part of it into a transfer and releases the rest, or a void releases it
 * all. A hold past its expiry can no longer be captured or voided; {@link HoldExpiry} releases it.
 * Every path locks the hold row before the sub-account rows, the same order as {@link HoldExpiry}.
 */
@ApplicationScoped
public class Holds {

    private final Pool pool;
    private final AccountDirectory directory;
    private final LedgerStore store;
    private final Transfers transfers;
    private final WalletConfig config;

    Holds(Pool pool, AccountDirectory directory, LedgerStore store, Transfers transfers, WalletConfig config) {
        this.pool = pool;
        this.directory = directory;
        this.store = store;
        this.transfers = transfers;
        this.config = config;
    }

    public record Reserved(HoldView hold, boolean replayed) {
    }

    public Uni<Reserved> reserve(String caller, String idempotencyKey, HoldRequest.Reserve request) {
        Transfers.checkIdempotencyKey(idempotencyKey);
        transfers.checkAmount(request.amount(), "amount");
        long expirySeconds = request.expiresInSeconds() == null
                ? config.holds().defaultExpiry().toSeconds()
                : request.expiresInSeconds();
        if (expirySeconds > config.holds().maxExpiry().toSeconds()) {
            throw ProblemException.invalidField("expiresInSeconds",
                    "A hold lasts at most " + config.holds().maxExpiry().toSeconds() + " seconds.");
        }
        String hash = RequestDigest.sha256(request);
        return pool.withTransaction(tx -> directory.find(tx, Set.of(request.accountId())).flatMap(found -> {
            AccountInfo account = found.get(request.accountId());
            if (account == null) {
                throw LedgerProblem.UNKNOWN_ACCOUNT.exception("No account " + request.accountId() + ".", "accountId");
            }
            if (!account.currency().equals(request.currencyOrDefault())) {
                throw LedgerProblem.CURRENCY_MISMATCH.exception("Account " + account.id() + " is in "
                        + account.currency() + ", not " + request.currencyOrDefault() + ".", "currency");
            }
            if (account.kind() != AccountKind.CUSTOMER) {
                throw LedgerProblem.HOLD_NOT_SUPPORTED.exception(
                        "Holds reserve money in customer wallets; account " + account.id() + " is a "
                                + account.kind().wire() + " account.",
                        "accountId");
            }
            UUID id = TimeOrderedUuid.next();
            return tx
                    .preparedQuery("INSERT INTO hold (id, caller, idempotency_key, request_sha256, account_id, amount, "
                            + "reference, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8)) "
                            + "ON CONFLICT (caller, idempotency_key) DO NOTHING RETURNING id")
                    .execute(Tuple.from(Arrays.asList(id, caller, idempotencyKey, hash, account.id(),
                            request.amount(), request.reference(), (double) expirySeconds)))
                    .flatMap(inserted -> inserted.size() == 0
                            ? replay(tx, caller, idempotencyKey, hash)
                            : reserve(tx, account, request.amount())
                                    .flatMap(ignored -> byId(tx, id))
                                    .map(hold -> new Reserved(hold, false)));
        }));
    }

    private Uni<Void> reserve(SqlConnection tx, AccountInfo account, long amount) {
        TreeSet<Posting.Key> keys = new TreeSet<>(Posting.LOCK_ORDER);
        keys.add(new Posting.Key(account.id(), 0));
        return store.lock(tx, keys).flatMap(locked -> {
            SubAccount wallet = locked.values().iterator().next();
            checkDebitable(account.id(), wallet.status());
            if (wallet.balance() - wallet.held() < amount) {
                throw LedgerProblem.INSUFFICIENT_FUNDS.exception("Account " + account.id() + " has "
                        + (wallet.balance() - wallet.held()) + " available; the hold needs " + amount + ".", "amount");
            }
            return adjustHeld(tx, account.id(), amount);
        });
    }

    private Uni<Reserved> replay(SqlConnection tx, String caller, String key, String hash) {
        return tx.preparedQuery("SELECT id, request_sha256 FROM hold WHERE caller = $1 AND idempotency_key = $2")
                .execute(Tuple.of(caller, key))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    if (!row.getString("request_sha256").equals(hash)) {
                        throw LedgerProblem.IDEMPOTENCY_KEY_REUSED.exception("Idempotency key " + key
                                + " was already used for a different hold; use a new key for a new hold.");
                    }
                    return byId(tx, row.getUUID("id")).map(hold -> new Reserved(hold.asReserved(), true));
                });
    }

    /** The hold {@code caller} reserved under {@code idempotencyKey}, as it is now: how a reconciler learns an outcome. */
    public Uni<HoldView> byKey(String caller, String idempotencyKey) {
        return pool.preparedQuery("SELECT id FROM hold WHERE caller = $1 AND idempotency_key = $2")
                .execute(Tuple.of(caller, idempotencyKey))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw LedgerProblem.HOLD_NOT_FOUND.exception(
                                "No hold was reserved under key " + idempotencyKey + ".");
                    }
                    return byId(pool, rows.iterator().next().getUUID("id"));
                });
    }

    public Uni<TransferView.Outcome> capture(String caller, String idempotencyKey, UUID holdId,
            HoldRequest.Capture request) {
        Transfers.checkIdempotencyKey(idempotencyKey);
        long total = 0;
        for (int i = 0; i < request.legs().size(); i++) {
            transfers.checkAmount(request.legs().get(i).amount(), "legs[" + i + "].amount");
            total += request.legs().get(i).amount();
        }
        long captured = total;
        TransferKind kind = TransferKind.fromWire(request.kindOrDefault()).orElseThrow();
        String hash = RequestDigest.sha256(Map.of("hold", holdId.toString(), "request", request));
        return pool.withTransaction(tx -> lockHold(tx, caller, holdId).flatMap(hold -> {
            Transfers.Claim claim = new Transfers.Claim(caller, idempotencyKey, hash, kind, request.reference(),
                    request.metadata(), hold.getString("currency"), null, holdId);
            return transfers.claim(tx, claim).flatMap(claimed -> {
                if (claimed == null) {
                    return transfers.replay(tx, claim);
                }
                checkActive(hold);
                long amount = hold.getLong("amount");
                if (captured > amount) {
                    throw LedgerProblem.CAPTURE_EXCEEDS_HOLD.exception(
                            "Hold " + holdId + " reserves " + amount + "; the capture asks for " + captured + ".");
                }
                UUID account = hold.getUUID("account_id");
                List<Posting.Leg> legs = new ArrayList<>();
                request.legs().forEach(leg -> legs.add(new Posting.Leg(account, leg.to(), leg.amount())));
                return transfers.post(tx, claimed, legs, new Posting.Release(account, amount))
                        .call(view -> tx.preparedQuery("UPDATE hold SET status = 'captured', captured = $2, "
                                + "transfer_id = $3, updated_at = now() WHERE id = $1")
                                .execute(Tuple.of(holdId, captured, view.id())))
                        .map(view -> new TransferView.Outcome(view, false));
            });
        }));
    }

    /**
     * Releases the whole hold. Voiding a voided hold answers it again; a captured one cannot be voided, and an expired one
     * needs no void: it answers {@code hold-expired} and is released by {@link HoldExpiry}, if it was not already.
     */
    public Uni<HoldView> voidHold(String caller, UUID holdId) {
        return pool.withTransaction(tx -> lockHold(tx, caller, holdId).flatMap(hold -> {
            if ("voided".equals(hold.getString("status"))) {
                return byId(tx, holdId);
            }
            checkActive(hold);
            UUID account = hold.getUUID("account_id");
            TreeSet<Posting.Key> keys = new TreeSet<>(Posting.LOCK_ORDER);
            keys.add(new Posting.Key(account, 0));
            return store.lock(tx, keys)
                    .flatMap(locked -> adjustHeld(tx, account, -hold.getLong("amount")))
                    .flatMap(ignored -> tx.preparedQuery("UPDATE hold SET status = 'voided', updated_at = now() "
                            + "WHERE id = $1").execute(Tuple.of(holdId)))
                    .flatMap(ignored -> byId(tx, holdId));
        }));
    }

    public Uni<HoldView> find(String caller, boolean anyCaller, UUID holdId) {
        return pool.preparedQuery("SELECT caller FROM hold WHERE id = $1").execute(Tuple.of(holdId))
                .flatMap(rows -> {
                    if (rows.size() == 0 || !(anyCaller || caller.equals(rows.iterator().next().getString("caller")))) {
                        throw LedgerProblem.HOLD_NOT_FOUND.exception("No hold " + holdId + ".");
                    }
                    return byId(pool, holdId);
                });
    }

    private static Uni<Row> lockHold(SqlConnection tx, String caller, UUID holdId) {
        return tx.preparedQuery("SELECT h.*, a.currency, h.expires_at <= now() AS expired FROM hold h "
                + "JOIN account a ON a.id = h.account_id WHERE h.id = $1 FOR UPDATE OF h")
                .execute(Tuple.of(holdId))
                .map(rows -> {
                    if (rows.size() == 0 || !caller.equals(rows.iterator().next().getString("caller"))) {
                        throw LedgerProblem.HOLD_NOT_FOUND.exception("No hold " + holdId + ".");
                    }
                    return rows.iterator().next();
                });
    }

    /**
     * Refuses a hold that can no longer be captured or voided. Expiry is decided by the hold's own {@code expires_at},
     * never by whether {@link HoldExpiry} has released it yet, so a late capture hears {@code hold-expired} either way.
     */
    private static void checkActive(Row hold) {
        String status = hold.getString("status");
        if ("expired".equals(status) || ("active".equals(status) && hold.getBoolean("expired"))) {
            throw LedgerProblem.HOLD_EXPIRED.exception(
                    "Hold " + hold.getUUID("id") + " expired at " + hold.getOffsetDateTime("expires_at") + ".");
        }
        if (!"active".equals(status)) {
            throw LedgerProblem.HOLD_NOT_ACTIVE.exception("Hold " + hold.getUUID("id") + " is " + status + ".");
        }
    }

    private static void checkDebitable(UUID account, String status) {
        if ("closed".equals(status)) {
            throw LedgerProblem.ACCOUNT_CLOSED.exception("Account " + account + " is closed.", "accountId");
        }
        if ("frozen".equals(status)) {
            throw LedgerProblem.ACCOUNT_FROZEN.exception(
                    "Account " + account + " is frozen: nothing can be reserved or debited.", "accountId");
        }
    }

    static Uni<Void> adjustHeld(SqlConnection tx, UUID account, long delta) {
        return tx.preparedQuery("UPDATE account_shard SET held = held + $2 WHERE account_id = $1 AND shard = 0")
                .execute(Tuple.of(account, delta)).replaceWithVoid();
    }

    static Uni<HoldView> byId(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT h.*, a.currency FROM hold h JOIN account a ON a.id = h.account_id "
                + "WHERE h.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new HoldView(row.getUUID("id"), row.getUUID("account_id"), row.getLong("amount"),
                            row.getString("currency"), row.getLong("captured"), row.getString("status"),
                            row.getString("reference"), row.getUUID("transfer_id"), row.getOffsetDateTime("expires_at"),
                            row.getOffsetDateTime("created_at"));
                });
    }
}
