package io.kessai.auth.wallet;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.outbox.Outbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * The customer's wallet in wallet-service, changed through the outbox in the caller's transaction: opened at
 * activation, frozen and unfrozen by ops. The calls are retried until wallet-service accepts them (it treats a
 * repeat as the first), and one user's calls share an outbox ordering key, so they arrive one at a time in the order
 * of the changes whatever outages and retries do: a freeze never lands before the wallet is open, nor an older
 * freeze after a newer unfreeze. The changes themselves serialise on the user's row.
 */
@ApplicationScoped
public class CustomerWallet {

    /** The outbox destination of wallet-service ({@code kessai.outbox.destinations.wallet}). */
    static final String DESTINATION = "wallet";
    private static final String ACCOUNTS = "/v1/internal/accounts/customers";

    private final Outbox outbox;

    CustomerWallet(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Opens the user's wallet (idempotent in wallet-service; one call per user here). */
    public Uni<Void> open(SqlConnection tx, UUID userId) {
        return outbox.callInOrder(tx, "auth:wallet-open:" + userId, orderingKey(userId), DESTINATION, ACCOUNTS,
                new JsonObject().put("userId", userId.toString()));
    }

    /** Freezes every account of the user; answers the outbox key of the call. */
    public Uni<String> freeze(SqlConnection tx, UUID userId, String reason) {
        return change(tx, userId, "freeze", reason);
    }

    /** Unfreezes every account of the user; answers the outbox key of the call. */
    public Uni<String> unfreeze(SqlConnection tx, UUID userId, String reason) {
        return change(tx, userId, "unfreeze", reason);
    }

    private Uni<String> change(SqlConnection tx, UUID userId, String action, String reason) {
        String key = "auth:wallet-" + action + ":" + userId + ":" + TimeOrderedUuid.next();
        return outbox.callInOrder(tx, key, orderingKey(userId), DESTINATION, ACCOUNTS + "/" + userId + "/" + action,
                new JsonObject().put("reason", reason)).replaceWith(key);
    }

    private static String orderingKey(UUID userId) {
        return "wallet-customer:" + userId;
    }
}
