package io.kessai.wallet.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.account.AccountDirectory;
import io.kessai.wallet.account.AccountInfo;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Posts many transfers in one database transaction and one commit, TigerBeetle's lever: each transfer is still judged
 * alone by the same rules as a single one ({@link Transfers}, {@link Posting}), in the order given, and gets its own
 * answer: posted, replayed, or its own problem. A refused transfer changes nothing and leaves no trace (its claim is
 * deleted in the same transaction), so it may be retried under its key. Every sub-account of the batch is locked in
 * one statement in the global lock order, and keys are claimed in key order, so batches never deadlock with each
 * other or with single transfers.
 * <p>
 * Linked transfers: a transfer with {@code linked} set is posted only together with the next one, up to the first
 * transfer of the chain without it; if any of them is refused, all are, the others with {@code linked-transfer-failed}.
 * A chain still open at the end of the batch is refused whole ({@code linked-chain-open}).
 */
@ApplicationScoped
public class TransferBatches {

    /**
     * One transfer of a batch: who posts it, under which key, and whether it is linked to the next one;
     * {@code refused} when the caller already knows it is refused (a kind its scopes do not cover).
     */
    public record Item(String caller, String idempotencyKey, TransferRequest request, boolean linked,
            ProblemException refused, boolean validated) {

        /** A single request's transfer, its body validated already (group commit). */
        static Item validated(String caller, String idempotencyKey, TransferRequest request) {
            return new Item(caller, idempotencyKey, request, false, null, true);
        }
    }

    /** The answer to one transfer: the outcome, or the problem it was refused with. */
    public record Result(TransferView.Outcome outcome, ProblemException problem) {

        static Result refused(ProblemException problem) {
            return new Result(null, problem);
        }
    }

    /** A transfer that passed the checks needing no database, with what posting it needs. */
    private static final class Prepared {

        final int index;
        final Transfers.Claim claim;
        final List<Posting.Leg> legs;
        Posting posting;
        Transfers.Claimed claimed;
        Posting.Plan plan;

        Prepared(int index, Transfers.Claim claim, List<Posting.Leg> legs) {
            this.index = index;
            this.claim = claim;
            this.legs = legs;
        }
    }

    private final Pool pool;
    private final Transfers transfers;
    private final AccountDirectory directory;
    private final LedgerStore store;
    private final Validator validator;

    TransferBatches(Pool pool, Transfers transfers, AccountDirectory directory, LedgerStore store,
            Validator validator) {
        this.pool = pool;
        this.transfers = transfers;
        this.directory = directory;
        this.store = store;
        this.validator = validator;
    }

    /** Posts the items; the answers are in the items' order. */
    public Uni<List<Result>> post(List<Item> items) {
        Result[] results = new Result[items.size()];
        int[] chainOf = chains(items, results);
        List<Prepared> prepared = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            if (results[i] != null) {
                continue;
            }
            Item item = items.get(i);
            try {
                prepared.add(prepare(i, item, keys));
            } catch (ProblemException refused) {
                results[i] = Result.refused(refused);
            }
        }
        failChains(chainOf, results, prepared);
        if (prepared.isEmpty()) {
            return Uni.createFrom().item(List.of(results));
        }
        Set<UUID> accountIds = new LinkedHashSet<>();
        prepared.forEach(p -> p.legs.forEach(leg -> {
            accountIds.add(leg.from());
            accountIds.add(leg.to());
        }));
        // One sub-account per account for the whole batch: a batch of payments to one merchant locks one of its
        // sub-accounts, so concurrent batches to a hot merchant rarely wait for each other.
        Map<UUID, Integer> shards = new HashMap<>();
        java.util.function.ToIntFunction<AccountInfo> pick = account -> shards.computeIfAbsent(account.id(),
                id -> java.util.concurrent.ThreadLocalRandom.current().nextInt(account.subAccounts()));
        return directory.find(pool, accountIds).flatMap(accounts -> {
            for (Prepared p : prepared) {
                try {
                    p.posting = transfers.checkedPosting(p.claim.kind(), p.legs, accounts, p.claim.currency(), pick);
                } catch (ProblemException refused) {
                    results[p.index] = Result.refused(refused);
                }
            }
            failChains(chainOf, results, prepared);
            if (prepared.isEmpty()) {
                return Uni.createFrom().item(List.of(results));
            }
            NavigableSet<Posting.Key> lockSet = new TreeSet<>(Posting.LOCK_ORDER);
            prepared.forEach(p -> lockSet.addAll(p.posting.lockSet()));
            // Round trip 1: BEGIN, claim every key, lock every sub-account. Then replays are read, the transfers are
            // applied in order in memory, and round trip 2 writes them all and commits.
            return PipelinedTransaction.run(pool, connection -> PipelinedTransaction.begin(connection,
                    Uni.combine().all().unis(claimAll(connection, prepared), store.lock(connection, lockSet))
                            .asTuple())
                    .flatMap(claimedAndLocked -> replays(connection, prepared, results)
                            .flatMap(replayed -> {
                                Map<Posting.Key, SubAccount> locked = claimedAndLocked.getItem2();
                                List<Prepared> posted = apply(prepared, locked, chainOf, results);
                                List<Prepared> refused = prepared.stream()
                                        .filter(p -> p.claimed != null && !posted.contains(p)).toList();
                                return PipelinedTransaction.commit(connection,
                                        writeAll(connection, posted, refused, locked).replaceWith(posted));
                            })))
                    .map(posted -> List.of(results));
        }).invoke(answers -> count(items, answers));
    }

    private void count(List<Item> items, List<Result> answers) {
        for (int i = 0; i < answers.size(); i++) {
            TransferRequest request = items.get(i).request();
            TransferKind kind = request == null || request.kind() == null
                    ? null
                    : TransferKind.fromWire(request.kind()).orElse(null);
            if (kind != null) {
                Result answer = answers.get(i);
                transfers.count(kind, answer.problem() != null
                        ? answer.problem().code()
                        : answer.outcome().replayed() ? "replayed" : "posted");
            }
        }
    }

    /** Each item's chain (its first item's index); refuses a chain still open at the end. */
    private static int[] chains(List<Item> items, Result[] results) {
        int[] chainOf = new int[items.size()];
        int start = 0;
        for (int i = 0; i < items.size(); i++) {
            chainOf[i] = start;
            if (!items.get(i).linked()) {
                start = i + 1;
            }
        }
        if (start < items.size()) {
            for (int i = start; i < items.size(); i++) {
                results[i] = Result.refused(LedgerProblem.LINKED_CHAIN_OPEN.exception("Transfer " + i
                        + " is linked to the next one, but the batch ends before the chain does: the last transfer "
                        + "of a chain has linked false."));
            }
        }
        return chainOf;
    }

    /** A chain with a refused transfer is refused whole: its other transfers leave the batch. */
    private static void failChains(int[] chainOf, Result[] results, List<Prepared> prepared) {
        Set<Integer> failed = new HashSet<>();
        for (int i = 0; i < results.length; i++) {
            if (results[i] != null && results[i].problem() != null) {
                failed.add(chainOf[i]);
            }
        }
        prepared.removeIf(p -> {
            if (results[p.index] != null) {
                return true;
            }
            if (failed.contains(chainOf[p.index]) && isLinked(chainOf, p.index)) {
                results[p.index] = Result.refused(linkedFailed(p.index));
                return true;
            }
            return false;
        });
    }

    /** Whether the item is part of a chain of more than one transfer. */
    private static boolean isLinked(int[] chainOf, int index) {
        return (index > 0 && chainOf[index - 1] == chainOf[index])
                || (index + 1 < chainOf.length && chainOf[index + 1] == chainOf[index]);
    }

    private static ProblemException linkedFailed(int index) {
        return LedgerProblem.LINKED_TRANSFER_FAILED.exception("Transfer " + index
                + " is linked with a transfer of this batch that was refused; none of the chain was posted.");
    }

    private Prepared prepare(int index, Item item, Set<String> keysInBatch) {
        if (item.refused() != null) {
            throw item.refused();
        }
        Transfers.checkIdempotencyKey(item.idempotencyKey());
        if (item.request() == null) {
            throw ProblemException.invalidField("transfer", "must not be null");
        }
        Set<ConstraintViolation<TransferRequest>> violations = item.validated()
                ? Set.of()
                : validator.validate(item.request());
        if (!violations.isEmpty()) {
            List<Problem.FieldError> errors = violations.stream()
                    .map(v -> new Problem.FieldError(v.getPropertyPath().toString(), v.getMessage()))
                    .sorted(Comparator.comparing(Problem.FieldError::field)).toList();
            throw new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Request validation failed",
                    "Transfer " + index + " is not valid.", errors, Map.of());
        }
        if (!keysInBatch.add(item.caller() + '\n' + item.idempotencyKey())) {
            throw LedgerProblem.IDEMPOTENCY_KEY_REUSED.exception("Idempotency key " + item.idempotencyKey()
                    + " appears twice in this batch; give every transfer its own key.");
        }
        TransferRequest request = item.request();
        TransferKind kind = TransferKind.fromWire(request.kind()).orElseThrow();
        List<Posting.Leg> legs = transfers.legsOf(request);
        Transfers.Claim claim = new Transfers.Claim(item.caller(), item.idempotencyKey(),
                RequestDigest.sha256(request), kind, request.reference(), request.metadata(),
                request.legs().get(0).currencyOrDefault(), null, null);
        return new Prepared(index, claim, legs);
    }

    /**
     * Inserts every transfer row in one statement, in key order (so that two batches claiming the same keys queue
     * instead of deadlocking); a key the caller used before gets no row and is a replay.
     */
    private static Uni<Void> claimAll(SqlConnection tx, List<Prepared> prepared) {
        int n = prepared.size();
        UUID[] ids = new UUID[n];
        String[] callers = new String[n];
        String[] keys = new String[n];
        String[] hashes = new String[n];
        String[] kinds = new String[n];
        String[] references = new String[n];
        String[] metadata = new String[n];
        String[] currencies = new String[n];
        Map<UUID, Prepared> byId = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Transfers.Claim claim = prepared.get(i).claim;
            // Time-ordered, in the batch's order: entries of one sub-account read back in the order they were applied.
            ids[i] = TimeOrderedUuid.next();
            callers[i] = claim.caller();
            keys[i] = claim.idempotencyKey();
            hashes[i] = claim.requestSha256();
            kinds[i] = claim.kind().wire();
            references[i] = claim.reference();
            metadata[i] = (claim.metadata() == null ? new JsonObject() : new JsonObject(claim.metadata())).encode();
            currencies[i] = claim.currency();
            byId.put(ids[i], prepared.get(i));
        }
        return tx.preparedQuery("INSERT INTO transfer (id, caller, idempotency_key, request_sha256, kind, reference, "
                + "metadata, currency) SELECT c.id, c.caller, c.key, c.hash, c.kind, c.reference, c.metadata::jsonb, "
                + "c.currency FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
                + "$7::text[], $8::text[]) AS c(id, caller, key, hash, kind, reference, metadata, currency) "
                + "ORDER BY c.caller, c.key ON CONFLICT (caller, idempotency_key) DO NOTHING "
                + "RETURNING id, created_at, metadata")
                .execute(Tuple.from(Arrays.<Object>asList(ids, callers, keys, hashes, kinds, references, metadata,
                        currencies)))
                .invoke(rows -> {
                    for (Row row : rows) {
                        Prepared p = byId.get(row.getUUID("id"));
                        p.claimed = new Transfers.Claimed(row.getUUID("id"), p.claim,
                                row.getOffsetDateTime("created_at"), ((JsonObject) row.getValue("metadata")).getMap());
                    }
                })
                .replaceWithVoid();
    }

    /** The transfers whose key was used before answer the first result (or are refused as a different request). */
    private Uni<Void> replays(SqlConnection tx, List<Prepared> prepared, Result[] results) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Prepared p : prepared) {
            if (p.claimed == null) {
                chain = chain.flatMap(done -> transfers.replay(tx, p.claim)
                        .map(outcome -> new Result(outcome, null))
                        .onFailure(ProblemException.class).recoverWithItem(e -> Result.refused((ProblemException) e))
                        .invoke(result -> results[p.index] = result)
                        .replaceWithVoid());
            }
        }
        return chain;
    }

    /**
     * Applies the claimed transfers in order to the locked sub-accounts. A refused one is undone at once (and with it
     * the rest of its chain); answers those posted.
     */
    private List<Prepared> apply(List<Prepared> prepared, Map<Posting.Key, SubAccount> locked, int[] chainOf,
            Result[] results) {
        List<Prepared> posted = new ArrayList<>();
        Map<Posting.Key, SubAccount.Mark> chainStart = null;
        List<Prepared> chainPosted = new ArrayList<>();
        int chain = -1;
        for (Prepared p : prepared) {
            if (p.claimed == null) {
                continue;
            }
            if (chainOf[p.index] != chain) {
                posted.addAll(chainPosted);
                chainPosted.clear();
                chain = chainOf[p.index];
                chainStart = marks(locked);
            }
            if (results[p.index] != null) {
                continue; // refused with its chain already
            }
            try {
                Posting.Plan plan = p.posting.apply(locked, null);
                results[p.index] = new Result(new TransferView.Outcome(Transfers.view(p.claimed, p.legs, plan), false),
                        null);
                p.plan = plan;
                chainPosted.add(p);
            } catch (ProblemException refused) {
                reset(locked, chainStart);
                results[p.index] = Result.refused(refused);
                for (Prepared before : chainPosted) {
                    results[before.index] = Result.refused(linkedFailed(before.index));
                }
                chainPosted.clear();
                for (Prepared after : prepared) {
                    if (after.index > p.index && chainOf[after.index] == chain && results[after.index] == null) {
                        results[after.index] = Result.refused(linkedFailed(after.index));
                    }
                }
            }
        }
        posted.addAll(chainPosted);
        return posted;
    }

    private static Map<Posting.Key, SubAccount.Mark> marks(Map<Posting.Key, SubAccount> locked) {
        Map<Posting.Key, SubAccount.Mark> marks = new HashMap<>();
        locked.forEach((key, shard) -> marks.put(key, shard.mark()));
        return marks;
    }

    private static void reset(Map<Posting.Key, SubAccount> locked, Map<Posting.Key, SubAccount.Mark> marks) {
        locked.forEach((key, shard) -> shard.reset(marks.get(key)));
    }

    /**
     * One statement: the sub-accounts' final balances, the posted transfers' legs and entries, and the deletion of
     * the claims of refused transfers (a refusal leaves no trace).
     */
    private static Uni<Void> writeAll(SqlConnection tx, List<Prepared> posted, List<Prepared> refused,
            Map<Posting.Key, SubAccount> locked) {
        List<SubAccount> changed = locked.values().stream().filter(SubAccount::changed).toList();
        UUID[] shardAccounts = new UUID[changed.size()];
        Integer[] shardIndexes = new Integer[changed.size()];
        Long[] balances = new Long[changed.size()];
        Long[] held = new Long[changed.size()];
        for (int i = 0; i < changed.size(); i++) {
            shardAccounts[i] = changed.get(i).accountId();
            shardIndexes[i] = changed.get(i).shard();
            balances[i] = changed.get(i).balance();
            held[i] = changed.get(i).held();
        }
        List<UUID> legTransfers = new ArrayList<>();
        List<Integer> legIndexes = new ArrayList<>();
        List<UUID> legFrom = new ArrayList<>();
        List<UUID> legTo = new ArrayList<>();
        List<Long> legAmounts = new ArrayList<>();
        List<UUID> entryTransfers = new ArrayList<>();
        List<Integer> entryPositions = new ArrayList<>();
        List<Integer> entryLegs = new ArrayList<>();
        List<UUID> entryAccounts = new ArrayList<>();
        List<Integer> entryShards = new ArrayList<>();
        List<Long> entryAmounts = new ArrayList<>();
        List<Long> entryBalances = new ArrayList<>();
        List<String> entryKinds = new ArrayList<>();
        for (Prepared p : posted) {
            for (int i = 0; i < p.legs.size(); i++) {
                legTransfers.add(p.claimed.id());
                legIndexes.add(i);
                legFrom.add(p.legs.get(i).from());
                legTo.add(p.legs.get(i).to());
                legAmounts.add(p.legs.get(i).amount());
            }
            int position = 1;
            for (Posting.Entry entry : p.plan.entries()) {
                entryTransfers.add(p.claimed.id());
                entryPositions.add(position++);
                entryLegs.add(entry.leg());
                entryAccounts.add(entry.accountId());
                entryShards.add(entry.shard());
                entryAmounts.add(entry.amount());
                entryBalances.add(entry.balanceAfter());
                entryKinds.add(p.claim.kind().wire());
            }
        }
        UUID[] refusedIds = refused.stream().map(p -> p.claimed.id()).toArray(UUID[]::new);
        return tx.preparedQuery("WITH shards AS (UPDATE account_shard s SET balance = v.balance, held = v.held "
                + "FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::bigint[]) AS v(account_id, shard, balance, held) "
                + "WHERE s.account_id = v.account_id AND s.shard = v.shard), "
                + "legs AS (INSERT INTO transfer_leg (transfer_id, leg, from_account, to_account, amount) "
                + "SELECT * FROM unnest($5::uuid[], $6::int[], $7::uuid[], $8::uuid[], $9::bigint[])), "
                + "refused AS (DELETE FROM transfer WHERE id = ANY($18::uuid[])) "
                + "INSERT INTO entry (transfer_id, position, leg, account_id, shard, amount, balance_after, kind) "
                + "SELECT e.transfer_id, e.position, e.leg, e.account_id, e.shard, e.amount, e.balance_after, e.kind "
                + "FROM unnest($10::uuid[], $11::int[], $12::int[], $13::uuid[], $14::int[], $15::bigint[], "
                + "$16::bigint[], $17::text[]) WITH ORDINALITY "
                + "AS e(transfer_id, position, leg, account_id, shard, amount, balance_after, kind, n) ORDER BY e.n")
                .execute(Tuple.from(Arrays.<Object>asList(shardAccounts, shardIndexes, balances, held,
                        legTransfers.toArray(UUID[]::new), legIndexes.toArray(Integer[]::new),
                        legFrom.toArray(UUID[]::new), legTo.toArray(UUID[]::new), legAmounts.toArray(Long[]::new),
                        entryTransfers.toArray(UUID[]::new), entryPositions.toArray(Integer[]::new),
                        entryLegs.toArray(Integer[]::new), entryAccounts.toArray(UUID[]::new),
                        entryShards.toArray(Integer[]::new), entryAmounts.toArray(Long[]::new),
                        entryBalances.toArray(Long[]::new), entryKinds.toArray(String[]::new), refusedIds)))
                .replaceWithVoid();
    }
}
