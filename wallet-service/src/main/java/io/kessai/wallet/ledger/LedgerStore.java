package io.kessai.wallet.ledger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The two statements every posting makes inside its transaction: lock the sub-accounts in the global lock order, and
 * write the new balances, the legs and the entries in one round trip.
 */
@ApplicationScoped
public class LedgerStore {

    /**
     * Locks the rows in the order of {@code keys}: PostgreSQL locks rows as the sorted result is read, and every
     * transaction sorts the same way, so two transfers over the same accounts queue instead of deadlocking.
     * {@code FOR NO KEY UPDATE} because balances change but keys never do (entries' foreign keys need no wait).
     */
    public Uni<Map<Posting.Key, SubAccount>> lock(SqlConnection tx, NavigableSet<Posting.Key> keys) {
        UUID[] accounts = new UUID[keys.size()];
        Integer[] shards = new Integer[keys.size()];
        int i = 0;
        for (Posting.Key key : keys) {
            accounts[i] = key.accountId();
            shards[i++] = key.shard();
        }
        return tx.preparedQuery("SELECT s.account_id, s.shard, s.balance, s.held, s.status FROM account_shard s "
                + "JOIN unnest($1::uuid[], $2::int[]) AS k(account_id, shard) "
                + "ON s.account_id = k.account_id AND s.shard = k.shard "
                + "ORDER BY s.account_id, s.shard FOR NO KEY UPDATE OF s")
                .execute(Tuple.of(accounts, shards))
                .map(rows -> {
                    Map<Posting.Key, SubAccount> locked = new HashMap<>();
                    for (Row row : rows) {
                        SubAccount shard = new SubAccount(row.getUUID("account_id"), row.getInteger("shard"),
                                row.getLong("balance"), row.getLong("held"), row.getString("status"));
                        locked.put(new Posting.Key(shard.accountId(), shard.shard()), shard);
                    }
                    if (locked.size() != keys.size()) {
                        throw new IllegalStateException(
                                "locked " + locked.size() + " of " + keys.size() + " sub-accounts");
                    }
                    return locked;
                });
    }

    /** Writes a plan: the changed sub-accounts, the transfer's legs and its entries, in one statement. */
    public Uni<Void> write(SqlConnection tx, UUID transferId, TransferKind kind, List<Posting.Leg> legs,
            Posting.Plan plan) {
        int changed = plan.changed().size();
        UUID[] shardAccounts = new UUID[changed];
        Integer[] shardIndexes = new Integer[changed];
        Long[] balances = new Long[changed];
        Long[] held = new Long[changed];
        for (int i = 0; i < changed; i++) {
            SubAccount shard = plan.changed().get(i);
            shardAccounts[i] = shard.accountId();
            shardIndexes[i] = shard.shard();
            balances[i] = shard.balance();
            held[i] = shard.held();
        }
        Integer[] legIndexes = new Integer[legs.size()];
        UUID[] legFrom = new UUID[legs.size()];
        UUID[] legTo = new UUID[legs.size()];
        Long[] legAmounts = new Long[legs.size()];
        for (int i = 0; i < legs.size(); i++) {
            legIndexes[i] = i;
            legFrom[i] = legs.get(i).from();
            legTo[i] = legs.get(i).to();
            legAmounts[i] = legs.get(i).amount();
        }
        int count = plan.entries().size();
        Integer[] entryLegs = new Integer[count];
        UUID[] entryAccounts = new UUID[count];
        Integer[] entryShards = new Integer[count];
        Long[] entryAmounts = new Long[count];
        Long[] entryBalances = new Long[count];
        for (int i = 0; i < count; i++) {
            Posting.Entry entry = plan.entries().get(i);
            entryLegs[i] = entry.leg();
            entryAccounts[i] = entry.accountId();
            entryShards[i] = entry.shard();
            entryAmounts[i] = entry.amount();
            entryBalances[i] = entry.balanceAfter();
        }
        return tx.preparedQuery("WITH shards AS (UPDATE account_shard s SET balance = v.balance, held = v.held "
                + "FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::bigint[]) AS v(account_id, shard, balance, held) "
                + "WHERE s.account_id = v.account_id AND s.shard = v.shard), "
                + "legs AS (INSERT INTO transfer_leg (transfer_id, leg, from_account, to_account, amount) "
                + "SELECT $5, * FROM unnest($6::int[], $7::uuid[], $8::uuid[], $9::bigint[])) "
                + "INSERT INTO entry (transfer_id, position, leg, account_id, shard, amount, balance_after, kind) "
                + "SELECT $5, e.position, e.leg, e.account_id, e.shard, e.amount, e.balance_after, $15 FROM unnest($10::int[], $11::uuid[], $12::int[], $13::bigint[], $14::bigint[]) "
                + "WITH ORDINALITY AS e(leg, account_id, shard, amount, balance_after, position) ORDER BY position")
                .execute(Tuple.from(List.of(shardAccounts, shardIndexes, balances, held, transferId, legIndexes,
                        legFrom, legTo, legAmounts, entryLegs, entryAccounts, entryShards, entryAmounts,
                        entryBalances, kind.wire())))
                .replaceWithVoid();
    }
}
