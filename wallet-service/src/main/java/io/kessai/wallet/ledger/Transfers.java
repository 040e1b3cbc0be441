package io.kessai.wallet.ledger;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.WalletConfig;
import io.kessai.wallet.account.AccountDirectory;
import io.kessai.wallet.account.AccountInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Posts transfers: claims the caller's idempotency key, locks the sub-accounts the legs touch in the global order,
 * applies the ledger's rules, and writes balances, legs and entries, all in one database transaction (of two round
 * trips, see {@link PipelinedTransaction}). A key maps to a
 * posted transfer or to nothing: a refused request leaves no trace, so the caller may retry it with the same key.
 */
@ApplicationScoped
public class Transfers {

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,200}");

    private final Pool pool;
    private final AccountDirectory directory;
    private final LedgerStore store;
    private final TransferReader reader;
    private final WalletConfig config;
    private final MeterRegistry metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    Transfers(Pool pool, AccountDirectory directory, LedgerStore store, TransferReader reader, WalletConfig config,
            MeterRegistry metrics) {
        this.pool = pool;
        this.directory = directory;
        this.store = store;
        this.reader = reader;
        this.config = config;
        this.metrics = metrics;
    }

    /** What a new transfer row records before it is posted. */
    public record Claim(String caller, String idempotencyKey, String requestSha256, TransferKind kind, String reference,
            Map<String, Object> metadata, String currency, UUID reverses, UUID holdId) {
    }

    /** The claimed row as the database wrote it (its timestamp, and its metadata as stored). */
    public record Claimed(UUID id, Claim claim, OffsetDateTime createdAt, Map<String, Object> metadata) {
    }

    public Uni<TransferView.Outcome> post(String caller, String idempotencyKey, TransferRequest request) {
        checkIdempotencyKey(idempotencyKey);
        TransferKind kind = TransferKind.fromWire(request.kind()).orElseThrow();
        List<Posting.Leg> legs = legsOf(request);
        String currency = request.legs().get(0).currencyOrDefault();
        Claim claim = new Claim(caller, idempotencyKey, RequestDigest.sha256(request), kind,
                request.reference(), request.metadata(), currency, null, null);
        Set<UUID> ids = accountIds(legs);
        return directory.find(pool, ids).flatMap(accounts -> {
            checkAccounts(kind, legs, accounts, currency);
            Posting posting = posting(kind, legs, accounts);
            NavigableSet<Posting.Key> keys = posting.lockSet();
            // Round trip 1: BEGIN, claim the key, lock the sub-accounts. Round trip 2: write, COMMIT.
            return PipelinedTransaction.run(pool, connection -> PipelinedTransaction.begin(connection,
                    Uni.combine().all().unis(claim(connection, claim).map(Optional::ofNullable),
                            store.lock(connection, keys)).asTuple())
                    .flatMap(claimedAndLocked -> {
                        Optional<Claimed> claimed = claimedAndLocked.getItem1();
                        if (claimed.isEmpty()) {
                            return PipelinedTransaction.rollback(connection, replay(connection, claim));
                        }
                        Posting.Plan plan = posting.apply(claimedAndLocked.getItem2(), null);
                        return PipelinedTransaction.commit(connection,
                                store.write(connection, claimed.get().id(), kind, legs, plan)
                                        .map(written -> new TransferView.Outcome(view(claimed.get(), legs, plan),
                                                false)));
                    }));
        })
                .invoke(outcome -> count(kind, outcome.replayed() ? "replayed" : "posted"))
                .onFailure(ProblemException.class).invoke(e -> count(kind, ((ProblemException) e).code()));
    }

    public static void checkIdempotencyKey(String key) {
        if (key == null || key.isBlank()) {
            throw LedgerProblem.MISSING_IDEMPOTENCY_KEY.exception(
                    "Send an Idempotency-Key header (e.g. a UUID) and reuse it when you retry this request.");
        }
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw LedgerProblem.MISSING_IDEMPOTENCY_KEY.exception(
                    "The Idempotency-Key must be 1 to 200 letters, digits or . _ : -", "Idempotency-Key");
        }
    }

    /** Inserts the transfer row, or answers null when the caller already used the key (the row then exists). */
    public Uni<Claimed> claim(SqlConnection tx, Claim claim) {
        UUID id = TimeOrderedUuid.next();
        JsonObject metadata = claim.metadata() == null ? new JsonObject() : new JsonObject(claim.metadata());
        return tx.preparedQuery("INSERT INTO transfer (id, caller, idempotency_key, request_sha256, kind, reference, "
                + "metadata, currency, reverses, hold_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                + "ON CONFLICT (caller, idempotency_key) DO NOTHING RETURNING created_at, metadata")
                .execute(Tuple.from(Arrays.asList(id, claim.caller(), claim.idempotencyKey(), claim.requestSha256(),
                        claim.kind().wire(), claim.reference(), metadata, claim.currency(), claim.reverses(),
                        claim.holdId())))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    var row = rows.iterator().next();
                    return new Claimed(id, claim, row.getOffsetDateTime("created_at"),
                            ((JsonObject) row.getValue("metadata")).getMap());
                });
    }

    /** The first answer to a key, if this is the same request again; a different request under it is refused. */
    public Uni<TransferView.Outcome> replay(SqlConnection tx, Claim claim) {
        return reader.byKey(tx, claim.caller(), claim.idempotencyKey()).map(stored -> {
            if (stored == null) {
                throw new IllegalStateException("the key conflicted but no transfer holds it");
            }
            if (!stored.requestSha256().equals(claim.requestSha256())) {
                throw LedgerProblem.IDEMPOTENCY_KEY_REUSED.exception("Idempotency key " + claim.idempotencyKey()
                        + " was already used for a different request; use a new key for a new transfer.");
            }
            return new TransferView.Outcome(stored.view(), true);
        });
    }

    /**
     * Posts the legs of a claimed transfer: resolves the accounts, locks their sub-accounts, applies the rules, and
     * writes the result. {@code release} frees reserved money first (a hold being captured).
     */
    public Uni<TransferView> post(SqlConnection tx, Claimed claimed, List<Posting.Leg> legs, Posting.Release release) {
        return directory.find(tx, accountIds(legs)).flatMap(accounts -> {
            checkAccounts(claimed.claim().kind(), legs, accounts, claimed.claim().currency());
            Posting posting = posting(claimed.claim().kind(), legs, accounts);
            NavigableSet<Posting.Key> keys = posting.lockSet();
            if (release != null) {
                Posting.withWholeAccount(keys, accounts.get(release.accountId()));
            }
            return store.lock(tx, keys).flatMap(locked -> {
                Posting.Plan plan = posting.apply(locked, release);
                return store.write(tx, claimed.id(), claimed.claim().kind(), legs, plan)
                        .map(written -> view(claimed, legs, plan));
            });
        });
    }

    /** The checks that need the accounts (they exist, their currency, the kind's rules), then the posting. */
    Posting checkedPosting(TransferKind kind, List<Posting.Leg> legs, Map<UUID, AccountInfo> accounts,
            String currency, java.util.function.ToIntFunction<AccountInfo> pick) {
        checkAccounts(kind, legs, accounts, currency);
        return Posting.pickingPerAccount(kind, legs, accounts, config.customerBalanceLimit(), pick);
    }

    private Posting posting(TransferKind kind, List<Posting.Leg> legs, Map<UUID, AccountInfo> accounts) {
        return new Posting(kind, legs, accounts, config.customerBalanceLimit(),
                bound -> ThreadLocalRandom.current().nextInt(bound));
    }

    private static Set<UUID> accountIds(List<Posting.Leg> legs) {
        Set<UUID> ids = new LinkedHashSet<>();
        legs.forEach(leg -> {
            ids.add(leg.from());
            ids.add(leg.to());
        });
        return ids;
    }

    private static void checkAccounts(TransferKind kind, List<Posting.Leg> legs, Map<UUID, AccountInfo> accounts,
            String currency) {
        for (int i = 0; i < legs.size(); i++) {
            Posting.Leg leg = legs.get(i);
            if (!accounts.containsKey(leg.from())) {
                throw LedgerProblem.UNKNOWN_ACCOUNT.exception("No account " + leg.from() + ".",
                        "legs[" + i + "].from");
            }
            if (!accounts.containsKey(leg.to())) {
                throw LedgerProblem.UNKNOWN_ACCOUNT.exception("No account " + leg.to() + ".", "legs[" + i + "].to");
            }
        }
        for (int i = 0; i < legs.size(); i++) {
            Posting.Leg leg = legs.get(i);
            for (UUID id : List.of(leg.from(), leg.to())) {
                String accountCurrency = accounts.get(id).currency();
                if (!accountCurrency.equals(currency)) {
                    throw LedgerProblem.CURRENCY_MISMATCH.exception("Leg " + i + " is in " + currency
                            + " but account " + id + " is in " + accountCurrency + ".", "legs[" + i + "].currency");
                }
            }
        }
        KindRules.check(kind, legs, accounts);
    }

    List<Posting.Leg> legsOf(TransferRequest request) {
        if (request.legs().size() > config.maxLegs()) {
            throw ProblemException.invalidField("legs", "A transfer has at most " + config.maxLegs() + " legs.");
        }
        List<Posting.Leg> legs = new ArrayList<>();
        String currency = request.legs().get(0).currencyOrDefault();
        for (int i = 0; i < request.legs().size(); i++) {
            TransferRequest.LegRequest leg = request.legs().get(i);
            checkAmount(leg.amount(), "legs[" + i + "].amount");
            if (leg.from().equals(leg.to())) {
                throw ProblemException.invalidField("legs[" + i + "].to",
                        "Leg " + i + " debits and credits the same account.");
            }
            if (!leg.currencyOrDefault().equals(currency)) {
                throw LedgerProblem.CURRENCY_MISMATCH.exception(
                        "All legs of a transfer must be in one currency (leg 0 is in " + currency + ").",
                        "legs[" + i + "].currency");
            }
            legs.add(new Posting.Leg(leg.from(), leg.to(), leg.amount()));
        }
        return legs;
    }

    /** Amounts are whole yen from 1 to the configured maximum; zero, negative and oversized amounts are refused. */
    public void checkAmount(Long amount, String field) {
        if (amount == null) {
            throw LedgerProblem.INVALID_AMOUNT.exception("The amount is required (whole yen, at least 1).", field);
        }
        if (amount <= 0) {
            throw LedgerProblem.INVALID_AMOUNT.exception("The amount must be at least 1, not " + amount + ".", field);
        }
        if (amount > config.maxAmount()) {
            throw LedgerProblem.INVALID_AMOUNT.exception(
                    "The amount must be at most " + config.maxAmount() + ", not " + amount + ".", field);
        }
    }

    static TransferView view(Claimed claimed, List<Posting.Leg> legs, Posting.Plan plan) {
        Claim claim = claimed.claim();
        List<TransferView.Leg> legViews = new ArrayList<>();
        for (int i = 0; i < legs.size(); i++) {
            Posting.Leg leg = legs.get(i);
            legViews.add(new TransferView.Leg(i, leg.from(), leg.to(), leg.amount(), claim.currency()));
        }
        List<TransferView.Entry> entries = plan.entries().stream()
                .map(e -> new TransferView.Entry(e.leg(), e.accountId(), e.shard(), e.amount(), e.balanceAfter()))
                .toList();
        return new TransferView(claimed.id(), claim.idempotencyKey(), claim.kind().wire(), "posted",
                claim.reference(), claimed.metadata(), claim.currency(), claim.reverses(), claim.holdId(),
                claimed.createdAt(), legViews, entries);
    }

    void count(TransferKind kind, String outcome) {
        // Looked up once per kind and outcome: building a meter id on every transfer shows in the profile.
        counters.computeIfAbsent(kind.wire() + "/" + outcome,
                ignored -> metrics.counter("kessai.wallet.transfers", "kind", kind.wire(), "outcome", outcome))
                .increment();
    }

}
