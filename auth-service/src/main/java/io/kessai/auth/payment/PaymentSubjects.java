package io.kessai.auth.payment;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.outbox.Outbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Tells payment-service, through the outbox in the caller's transaction, what happened to a user or a device that it
 * must act on: ops froze or unfroze the user or one device (no money moves for them there, and their payment keys are
 * revoked), or the user unbound a device (its payment keys are revoked, so a lost phone's offline codes stop at once).
 * The calls are retried until payment-service accepts them (each is idempotent there), and one user's calls share an
 * ordering key, so they arrive one at a time in the order of the changes: an older freeze never lands after a newer
 * unfreeze.
 */
@ApplicationScoped
public class PaymentSubjects {

    /** The outbox destination of payment-service ({@code kessai.outbox.destinations.payment}). */
    public static final String DESTINATION = "payment";
    private static final String CUSTOMERS = "/v1/internal/customers/";

    private final Outbox outbox;

    PaymentSubjects(Outbox outbox) {
        this.outbox = outbox;
    }

    /** The user was frozen ({@code reason} from ops); answers the outbox key of the call. */
    public Uni<String> userFrozen(SqlConnection tx, UUID userId, String reason) {
        return call(tx, userId, "freeze", userId + "/freeze", reason);
    }

    public Uni<String> userUnfrozen(SqlConnection tx, UUID userId, String reason) {
        return call(tx, userId, "unfreeze", userId + "/unfreeze", reason);
    }

    public Uni<String> deviceFrozen(SqlConnection tx, UUID userId, String deviceId, String reason) {
        return call(tx, userId, "device-freeze", userId + "/devices/" + deviceId + "/freeze", reason);
    }

    public Uni<String> deviceUnfrozen(SqlConnection tx, UUID userId, String deviceId, String reason) {
        return call(tx, userId, "device-unfreeze", userId + "/devices/" + deviceId + "/unfreeze", reason);
    }

    /** The user unbound one of their devices ({@code by}: the device that did it). */
    public Uni<String> deviceUnbound(SqlConnection tx, UUID userId, String deviceId, String by) {
        return call(tx, userId, "device-unbind", userId + "/devices/" + deviceId + "/unbinding",
                "unbound by the user from device " + by);
    }

    private Uni<String> call(SqlConnection tx, UUID userId, String change, String path, String reason) {
        String key = "auth:payment-" + change + ":" + userId + ":" + TimeOrderedUuid.next();
        return outbox.callInOrder(tx, key, "payment-customer:" + userId, DESTINATION, CUSTOMERS + path,
                new JsonObject().put("reason", reason)).replaceWith(key);
    }
}
