package io.kessai.auth.ops;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.login.LoginRequest;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.payment.PaymentSubjects;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.wallet.CustomerWallet;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Ops freezes and unfreezes users and devices. Each change is one transaction: the new state, the end of the refresh
 * families it concerns, the audit event (with the ops client as actor), the call telling payment-service (which stops
 * money moving for the user or device and revokes its payment keys) and, for a user, the wallet call and the alert
 * through the outbox. Login and refresh check the state on every use, so a freeze stops both at once; an access token
 * already issued lives out its few minutes. Repeating a change answers the same state and does nothing more.
 */
@ApplicationScoped
public class UserFreezes {

    /** Who asked and from where, for the audit log. */
    public record Operator(String actor, String address) {
    }

    private final Pool pool;
    private final UserDirectory directory;
    private final Sessions sessions;
    private final CustomerWallet wallet;
    private final AuditLog audit;
    private final UserMessages messages;
    private final PaymentSubjects payments;

    UserFreezes(Pool pool, UserDirectory directory, Sessions sessions, CustomerWallet wallet, AuditLog audit,
            UserMessages messages, PaymentSubjects payments) {
        this.pool = pool;
        this.directory = directory;
        this.sessions = sessions;
        this.wallet = wallet;
        this.audit = audit;
        this.messages = messages;
        this.payments = payments;
    }

    /** Freezes an active user: no login, no refresh, wallet frozen, owner alerted. */
    public Uni<OpsViews.User> freeze(String userId, String reason, Operator operator) {
        UUID id = OpsProblems.existingUserId(userId);
        return pool.withTransaction(tx -> lockUser(tx, id).flatMap(user -> {
            if ("frozen".equals(user.getString("status"))) {
                return directory.view(tx, id);
            }
            return tx.preparedQuery("UPDATE app_user SET status = 'frozen', frozen_at = now(), frozen_reason = $2 "
                    + "WHERE id = $1").execute(Tuple.of(id, reason))
                    .flatMap(updated -> sessions.revokeAll(tx, id, "user-frozen"))
                    .flatMap(revoked -> wallet.freeze(tx, id, reason)
                            .flatMap(call -> payments.userFrozen(tx, id, reason)
                                    .flatMap(paymentCall -> audit.record(tx, event(AuditLog.Type.USER_FREEZE, user,
                                            operator).with("reason", reason).with("sessionsRevoked", revoked)
                                            .with("walletCall", call).with("paymentCall", paymentCall)))))
                    .call(() -> messages.alert(tx, id, "security.account_frozen", new JsonObject()))
                    .flatMap(done -> directory.view(tx, id));
        }));
    }

    /** Makes a frozen user active again, and the wallet with it; the refresh families ended by the freeze stay ended. */
    public Uni<OpsViews.User> unfreeze(String userId, String reason, Operator operator) {
        UUID id = OpsProblems.existingUserId(userId);
        return pool.withTransaction(tx -> lockUser(tx, id).flatMap(user -> {
            if ("active".equals(user.getString("status"))) {
                return directory.view(tx, id);
            }
            return tx.preparedQuery("UPDATE app_user SET status = 'active', frozen_at = NULL, frozen_reason = NULL "
                    + "WHERE id = $1").execute(Tuple.of(id))
                    .flatMap(updated -> wallet.unfreeze(tx, id, reason))
                    .flatMap(call -> payments.userUnfrozen(tx, id, reason)
                            .flatMap(paymentCall -> audit.record(tx, event(AuditLog.Type.USER_UNFREEZE, user,
                                    operator).with("reason", reason)
                                    .with("frozenReason", user.getString("frozen_reason"))
                                    .with("walletCall", call).with("paymentCall", paymentCall))))
                    .flatMap(done -> directory.view(tx, id));
        }));
    }

    /** Freezes one device of a user: no login or refresh from it; the user's other devices are untouched. */
    public Uni<OpsViews.Device> freezeDevice(String userId, String deviceId, String reason, Operator operator) {
        return changeDevice(userId, deviceId, "frozen", reason, operator);
    }

    public Uni<OpsViews.Device> unfreezeDevice(String userId, String deviceId, String reason, Operator operator) {
        return changeDevice(userId, deviceId, "active", reason, operator);
    }

    private Uni<OpsViews.Device> changeDevice(String userId, String deviceId, String status, String reason,
            Operator operator) {
        UUID id = OpsProblems.existingUserId(userId);
        boolean freezing = "frozen".equals(status);
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id, phone_e164, status FROM app_user WHERE id = $1")
                .execute(Tuple.of(id))
                .flatMap(users -> {
                    if (users.size() == 0) {
                        throw OpsProblems.userNotFound();
                    }
                    Row user = users.iterator().next();
                    if (deviceId == null || !deviceId.matches(LoginRequest.DEVICE_ID)) {
                        throw OpsProblems.deviceNotFound();
                    }
                    return lockDevice(tx, id, deviceId).flatMap(device -> {
                        if (status.equals(device.getString("status"))) {
                            return Uni.createFrom().item(UserDirectory.device(device));
                        }
                        AuditLog.Event event = event(freezing
                                ? AuditLog.Type.DEVICE_FREEZE
                                : AuditLog.Type.DEVICE_UNFREEZE, user, operator).device(deviceId)
                                .with("reason", reason);
                        Uni<AuditLog.Event> ended = freezing
                                ? sessions.revokeDevice(tx, id, deviceId, "device-frozen")
                                        .flatMap(revoked -> payments.deviceFrozen(tx, id, deviceId, reason)
                                                .map(call -> event.with("sessionsRevoked", revoked)
                                                        .with("paymentCall", call)))
                                : payments.deviceUnfrozen(tx, id, deviceId, reason).map(call -> event
                                        .with("frozenReason", device.getString("frozen_reason"))
                                        .with("paymentCall", call));
                        return tx.preparedQuery("UPDATE device SET status = $3, frozen_reason = $4 WHERE user_id = $1 "
                                + "AND device_id = $2 RETURNING device_id, name, status, bound_at, expires_at, "
                                + "last_seen_at, frozen_reason")
                                .execute(Tuple.of(id, deviceId, status, freezing ? reason : null))
                                .flatMap(updated -> ended.flatMap(audited -> audit.record(tx, audited))
                                        .replaceWith(UserDirectory.device(updated.iterator().next())));
                    });
                }));
    }

    /** The user, locked for the change: concurrent changes of one user apply one after the other. */
    private static Uni<Row> lockUser(SqlConnection tx, UUID id) {
        return tx.preparedQuery("SELECT id, phone_e164, status, frozen_reason FROM app_user WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw OpsProblems.userNotFound();
                    }
                    Row user = rows.iterator().next();
                    if ("pending".equals(user.getString("status"))) {
                        throw OpsProblems.userPending();
                    }
                    return user;
                });
    }

    private static Uni<Row> lockDevice(SqlConnection tx, UUID userId, String deviceId) {
        return tx.preparedQuery("SELECT device_id, name, status, bound_at, expires_at, last_seen_at, frozen_reason "
                + "FROM device WHERE user_id = $1 AND device_id = $2 FOR UPDATE")
                .execute(Tuple.of(userId, deviceId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw OpsProblems.deviceNotFound();
                    }
                    return rows.iterator().next();
                });
    }

    private static AuditLog.Event event(AuditLog.Type type, Row user, Operator operator) {
        return AuditLog.Event.of(type, AuditLog.Outcome.SUCCESS).user(user.getUUID("id"))
                .phone(user.getString("phone_e164")).actor(operator.actor()).address(operator.address());
    }
}
