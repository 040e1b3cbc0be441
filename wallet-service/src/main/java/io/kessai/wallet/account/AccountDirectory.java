package io.kessai.wallet.account;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Finds accounts by id, remembering what never changes about them (kind, owner, currency, sub-accounts), so that a
 * transfer between known accounts costs no extra query. Status is mutable and is read from the locked rows instead.
 */
@ApplicationScoped
public class AccountDirectory {

    /** Enough for the active accounts of a busy pod; past it the cache starts over rather than grow without bound. */
    private static final int MAX_CACHED = 200_000;

    private final Map<UUID, AccountInfo> cache = new ConcurrentHashMap<>();

    /** The accounts among {@code ids} that exist; unknown ids are simply absent from the answer. */
    public Uni<Map<UUID, AccountInfo>> find(SqlClient client, Set<UUID> ids) {
        Map<UUID, AccountInfo> found = new HashMap<>();
        List<UUID> missing = ids.stream().filter(id -> {
            AccountInfo cached = cache.get(id);
            if (cached != null) {
                found.put(id, cached);
            }
            return cached == null;
        }).toList();
        if (missing.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return client.preparedQuery("SELECT id, kind, owner_id, currency, may_go_negative, sub_accounts FROM account "
                + "WHERE id = ANY($1)")
                .execute(Tuple.of(missing.toArray(UUID[]::new)))
                .map(rows -> {
                    for (Row row : rows) {
                        AccountInfo info = of(row);
                        remember(info);
                        found.put(info.id(), info);
                    }
                    return found;
                });
    }

    public static AccountInfo of(Row row) {
        return new AccountInfo(row.getUUID("id"), AccountKind.fromWire(row.getString("kind")),
                row.getString("owner_id"), row.getString("currency"), row.getBoolean("may_go_negative"),
                row.getInteger("sub_accounts"));
    }

    public void remember(AccountInfo info) {
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(info.id(), info);
    }
}
