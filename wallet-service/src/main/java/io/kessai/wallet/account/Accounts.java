package io.kessai.wallet.account;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.wallet.ledger.LedgerProblem;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Opens accounts (idempotently, on their owner), reads them with their balances, and changes their state. A state
 * change first locks every sub-account, so it waits for transfers in flight and applies to every later one.
 */
@ApplicationScoped
public class Accounts {

    private static final String SELECT = "SELECT a.*, s.balance, s.held FROM account a "
            + "JOIN (SELECT account_id, sum(balance)::bigint AS balance, sum(held)::bigint AS held FROM account_shard "
            + "GROUP BY account_id) s ON s.account_id = a.id ";

    private final Pool pool;
    private final AccountDirectory directory;

    Accounts(Pool pool, AccountDirectory directory) {
        this.pool = pool;
        this.directory = directory;
    }

    public record Opened(AccountView account, boolean created) {
    }

    /** Opens the owner's account in a currency, or answers the one already open (so a retry is harmless). */
    public Uni<Opened> open(AccountKind kind, String ownerId, String currency, int subAccounts) {
        UUID id = TimeOrderedUuid.next();
        return pool.withTransaction(tx -> tx
                .preparedQuery("INSERT INTO account (id, kind, owner_id, currency, sub_accounts) "
                        + "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, owner_id, currency) DO NOTHING RETURNING id")
                .execute(Tuple.of(id, kind.wire(), ownerId, currency, subAccounts))
                .flatMap(inserted -> inserted.size() == 0
                        ? Uni.createFrom().item(false)
                        : tx.preparedQuery("INSERT INTO account_shard (account_id, shard, status, may_go_negative) "
                                + "SELECT $1, s, 'active', false FROM generate_series(0, $2 - 1) AS s")
                                .execute(Tuple.of(id, subAccounts)).map(ignored -> true))
                .flatMap(created -> byOwner(tx, kind, ownerId).map(accounts -> new Opened(accounts.stream()
                        .filter(a -> a.currency().equals(currency)).findFirst().orElseThrow(), created))));
    }

    public Uni<AccountView> byId(SqlClient client, UUID id) {
        return client.preparedQuery(SELECT + "WHERE a.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : view(rows.iterator().next()));
    }

    public Uni<AccountView> byId(UUID id) {
        return byId(pool, id);
    }

    public Uni<List<AccountView>> byOwner(SqlClient client, AccountKind kind, String ownerId) {
        return client.preparedQuery(SELECT + "WHERE a.kind = $1 AND a.owner_id = $2 ORDER BY a.currency")
                .execute(Tuple.of(kind.wire(), ownerId))
                .map(this::views);
    }

    public Uni<List<AccountView>> byOwner(AccountKind kind, String ownerId) {
        return byOwner(pool, kind, ownerId);
    }

    /** Freezes, unfreezes or closes one account. A closed account stays closed; only an empty one can be closed. */
    public Uni<AccountView> changeStatus(UUID id, String status, String reason) {
        return pool.withTransaction(tx -> changeStatus(tx, id, status, reason));
    }

    /** Applies a state change to every account of an owner, in one transaction (e.g. ops freezing a user). */
    public Uni<List<AccountView>> changeOwnerStatus(AccountKind kind, String ownerId, String status, String reason) {
        return pool.withTransaction(tx -> byOwner(tx, kind, ownerId).flatMap(accounts -> {
            Uni<List<AccountView>> chain = Uni.createFrom().item(new ArrayList<>());
            for (AccountView account : accounts.stream().filter(a -> !"closed".equals(a.status())).toList()) {
                chain = chain.flatMap(done -> changeStatus(tx, account.id(), status, reason).map(changed -> {
                    done.add(changed);
                    return done;
                }));
            }
            return chain.map(List::copyOf);
        }));
    }

    private Uni<AccountView> changeStatus(SqlConnection tx, UUID id, String status, String reason) {
        return tx.preparedQuery("SELECT balance, held, status FROM account_shard WHERE account_id = $1 "
                + "ORDER BY shard FOR NO KEY UPDATE")
                .execute(Tuple.of(id))
                .flatMap(shards -> {
                    if (shards.size() == 0) {
                        throw LedgerProblem.ACCOUNT_NOT_FOUND.exception("No account " + id + ".");
                    }
                    long balance = 0;
                    long held = 0;
                    String current = null;
                    for (Row shard : shards) {
                        balance += shard.getLong("balance");
                        held += shard.getLong("held");
                        current = shard.getString("status");
                    }
                    if ("closed".equals(current)) {
                        throw LedgerProblem.ACCOUNT_CLOSED.exception("Account " + id + " is closed for good.");
                    }
                    if ("closed".equals(status) && (balance != 0 || held != 0)) {
                        throw LedgerProblem.ACCOUNT_NOT_EMPTY.exception("Account " + id + " holds " + balance
                                + " with " + held + " reserved; only an empty account can be closed.");
                    }
                    return tx.preparedQuery(
                            "WITH shards AS (UPDATE account_shard SET status = $2 WHERE account_id = $1) "
                                    + "UPDATE account SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1")
                            .execute(Tuple.of(id, status, reason));
                })
                .flatMap(updated -> byId(tx, id));
    }

    private List<AccountView> views(RowSet<Row> rows) {
        List<AccountView> views = new ArrayList<>();
        for (Row row : rows) {
            views.add(view(row));
        }
        return views;
    }

    private AccountView view(Row row) {
        directory.remember(AccountDirectory.of(row));
        String currency = row.getString("currency");
        long balance = row.getLong("balance");
        long held = row.getLong("held");
        return new AccountView(row.getUUID("id"), row.getString("kind"), row.getString("owner_id"), currency,
                row.getString("status"), row.getString("status_reason"), row.getInteger("sub_accounts"),
                new AccountView.Money(balance, currency), new AccountView.Money(held, currency),
                new AccountView.Money(balance - held, currency), row.getOffsetDateTime("created_at"));
    }
}
