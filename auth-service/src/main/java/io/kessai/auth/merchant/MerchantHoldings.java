package io.kessai.auth.merchant;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.audit.AuditLog;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Which merchants each owner holds, in which state and with which stores, as payment-service last told: the only
 * source auth-service grants till credentials from. payment-service sends a merchant's whole description through its
 * ordered outbox on approval and on every change, with a version that grows per merchant. A description is taken only
 * when its version is newer than the one held, so a replay or a late retry of an older one changes nothing; the answer
 * is what is held either way, which makes the call idempotent.
 *
 * <p>The owner id is stored even when no account here has it: payment-service took it from a token auth-service
 * signed, and refusing the description would leave the merchant's next change (a freeze) with nothing to apply to.
 */
@ApplicationScoped
public class MerchantHoldings {

    private final Pool pool;
    private final AuditLog audit;

    MerchantHoldings(Pool pool, AuditLog audit) {
        this.pool = pool;
        this.audit = audit;
    }

    /** Takes {@code holding} unless what is held is as new or newer; answers what is held after. */
    public Uni<MerchantHolding.Held> record(UUID merchantId, MerchantHolding holding, String actor, String address) {
        Set<UUID> stores = new HashSet<>();
        for (MerchantHolding.Store store : holding.stores()) {
            if (!stores.add(store.storeId())) {
                throw ProblemException.invalidField("stores", "store " + store.storeId() + " is listed twice");
            }
        }
        return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO merchant_holding (merchant_id, owner_id, "
                + "status, version) VALUES ($1, $2, $3, $4) ON CONFLICT (merchant_id) DO UPDATE SET "
                + "owner_id = EXCLUDED.owner_id, status = EXCLUDED.status, version = EXCLUDED.version, "
                + "updated_at = now() WHERE merchant_holding.version < EXCLUDED.version RETURNING merchant_id")
                .execute(Tuple.of(merchantId, holding.ownerId(), holding.status(), holding.version()))
                .flatMap(taken -> taken.size() == 0
                        ? Uni.createFrom().voidItem()
                        : replaceStores(tx, merchantId, holding.stores())
                                .call(() -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.MERCHANT_HOLDING,
                                        AuditLog.Outcome.SUCCESS).user(holding.ownerId()).actor(actor)
                                        .address(address).with("merchantId", merchantId.toString())
                                        .with("status", holding.status()).with("version", holding.version())
                                        .with("stores", holding.stores().size()))))
                .flatMap(done -> held(tx, merchantId, false))
                .map(Optional::orElseThrow));
    }

    /**
     * The merchant as held, if it is held and by {@code ownerId}: another owner's merchant answers as an unknown one.
     * With {@code lock}, the merchant's row is locked until the transaction ends, so that no newer description (a
     * freeze) is taken in between.
     */
    public Uni<Optional<MerchantHolding.Held>> ofOwner(SqlConnection tx, UUID merchantId, UUID ownerId,
            boolean lock) {
        return held(tx, merchantId, lock).map(held -> held.filter(found -> found.ownerId().equals(ownerId)));
    }

    private static Uni<Optional<MerchantHolding.Held>> held(SqlClient client, UUID merchantId, boolean lock) {
        return client.preparedQuery("SELECT owner_id, status, version FROM merchant_holding WHERE merchant_id = $1"
                + (lock ? " FOR UPDATE" : "")).execute(Tuple.of(merchantId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<MerchantHolding.Held>empty());
                    }
                    Row merchant = rows.iterator().next();
                    return client.preparedQuery("SELECT store_id, name, status FROM merchant_holding_store "
                            + "WHERE merchant_id = $1 ORDER BY position").execute(Tuple.of(merchantId))
                            .map(stores -> Optional.of(new MerchantHolding.Held(merchantId,
                                    merchant.getUUID("owner_id"), merchant.getString("status"),
                                    merchant.getLong("version"), stores(stores))));
                });
    }

    private static List<MerchantHolding.Store> stores(RowSet<Row> rows) {
        List<MerchantHolding.Store> stores = new ArrayList<>();
        for (Row row : rows) {
            stores.add(new MerchantHolding.Store(row.getUUID("store_id"), row.getString("name"),
                    row.getString("status")));
        }
        return List.copyOf(stores);
    }

    /** A newer version lists every store the merchant has: one it no longer lists is no longer held. */
    private static Uni<Void> replaceStores(SqlConnection tx, UUID merchantId, List<MerchantHolding.Store> stores) {
        Uni<Void> cleared = tx.preparedQuery("DELETE FROM merchant_holding_store WHERE merchant_id = $1")
                .execute(Tuple.of(merchantId)).replaceWithVoid();
        if (stores.isEmpty()) {
            return cleared;
        }
        List<Tuple> rows = new ArrayList<>();
        for (int i = 0; i < stores.size(); i++) {
            MerchantHolding.Store store = stores.get(i);
            rows.add(Tuple.of(merchantId, store.storeId(), i, store.name().strip(), store.status()));
        }
        return cleared.flatMap(done -> tx.preparedQuery("INSERT INTO merchant_holding_store (merchant_id, store_id, "
                + "position, name, status) VALUES ($1, $2, $3, $4, $5)").executeBatch(rows)).replaceWithVoid();
    }
}
