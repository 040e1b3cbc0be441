package io.kessai.auth.factor;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.Decision;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.payment.PaymentSubjects;
import io.kessai.auth.recovery.RecoveryCodes;
import io.kessai.auth.security.Caller;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.totp.Base32;
import io.kessai.auth.totp.Totp;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A signed-in user's second factors and devices. Adding, removing or replacing a factor needs a step-up token (the
 * resource checks it), is audited, and alerts every verified channel.
 */
@ApplicationScoped
public class Factors {

    private static final String ISSUER = "Kessai";
    private static final int QR_PIXELS = 240;

    private final Pool pool;
    private final TotpFactors totp;
    private final RecoveryCodes recoveryCodes;
    private final StepUp stepUp;
    private final Sessions sessions;
    private final UserMessages messages;
    private final AuditLog audit;
    private final PaymentSubjects payments;

    Factors(Pool pool, TotpFactors totp, RecoveryCodes recoveryCodes, StepUp stepUp, Sessions sessions,
            UserMessages messages, AuditLog audit, PaymentSubjects payments) {
        this.pool = pool;
        this.totp = totp;
        this.recoveryCodes = recoveryCodes;
        this.stepUp = stepUp;
        this.sessions = sessions;
        this.messages = messages;
        this.audit = audit;
        this.payments = payments;
    }

    public Uni<FactorRequest.Factors> list(Caller caller) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT u.phone_e164, u.email, "
                + "u.email_verified_at IS NOT NULL AS email_verified, coalesce(t.status, 'none') AS totp, "
                + "(SELECT count(*) FROM recovery_code r WHERE r.user_id = u.id AND r.used_at IS NULL) AS left "
                + "FROM app_user u LEFT JOIN totp_factor t ON t.user_id = u.id WHERE u.id = $1")
                .execute(Tuple.of(caller.userId()))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new FactorRequest.Factors(row.getString("phone_e164"), row.getString("email"),
                            row.getBoolean("email_verified"), row.getString("totp"), row.getInteger("left"));
                }));
    }

    /** Starts an authenticator-app enrollment (replacing a pending one); 409 when one is already active. */
    public Uni<FactorRequest.TotpEnrollment> beginTotp(Caller caller) {
        return pool.withTransaction(tx -> stepUp.liveSession(tx, caller).flatMap(user -> totp.begin(tx,
                caller.userId()).map(secret -> {
                    if (secret == null) {
                        throw new ProblemException(409, "factor-already-enabled", "Authenticator already enabled",
                                "An authenticator app is already enabled; remove it before enrolling another.");
                    }
                    String uri = Totp.otpauthUri(secret, ISSUER, user.phone());
                    return new FactorRequest.TotpEnrollment(Base32.encode(secret), uri,
                            Base64.getEncoder().encodeToString(Totp.qrPng(uri, QR_PIXELS)));
                })));
    }

    /**
     * Confirms the enrollment with a first code from the app. The first authenticator also brings the ten recovery
     * codes (shown once), unless unused ones exist.
     */
    public Uni<FactorRequest.TotpConfirmed> confirmTotp(Caller caller, String code, String address) {
        return pool.withTransaction(tx -> stepUp.liveSession(tx, caller)
                .flatMap(user -> totp.confirm(tx, caller.userId(), code))
                .flatMap(confirmed -> {
                    if (!confirmed) {
                        return Uni.createFrom().item(Decision.<FactorRequest.TotpConfirmed>refuse(
                                StepUp.invalidCode()));
                    }
                    return recoveryCodes.remaining(tx, caller.userId())
                            .flatMap(left -> left > 0
                                    ? Uni.createFrom().item((List<String>) null)
                                    : recoveryCodes.replace(tx, caller.userId()))
                            .call(() -> changed(tx, caller, address, "totp_enabled"))
                            .map(codes -> Decision.accept(new FactorRequest.TotpConfirmed("active", codes)));
                }))
                .map(Decision::get);
    }

    public Uni<Void> removeTotp(Caller caller, String address) {
        return pool.withTransaction(tx -> stepUp.liveSession(tx, caller)
                .flatMap(user -> totp.remove(tx, caller.userId()))
                .flatMap(removed -> {
                    if (!removed) {
                        throw new ProblemException(404, "factor-not-enabled", "No authenticator",
                                "No authenticator app is enrolled.");
                    }
                    return changed(tx, caller, address, "totp_disabled");
                }));
    }

    public Uni<FactorRequest.RecoveryCodesView> replaceRecoveryCodes(Caller caller, String address) {
        return pool.withTransaction(tx -> stepUp.liveSession(tx, caller)
                .flatMap(user -> recoveryCodes.replace(tx, caller.userId()))
                .call(codes -> changed(tx, caller, address, "recovery_codes_replaced"))
                .map(FactorRequest.RecoveryCodesView::new));
    }

    public Uni<List<FactorRequest.Device>> devices(Caller caller) {
        return pool.preparedQuery("SELECT device_id, name, status, bound_at, expires_at, last_seen_at FROM device "
                + "WHERE user_id = $1 ORDER BY last_seen_at DESC").execute(Tuple.of(caller.userId()))
                .map(rows -> {
                    List<FactorRequest.Device> devices = new ArrayList<>();
                    for (Row row : rows) {
                        devices.add(new FactorRequest.Device(row.getString("device_id"), row.getString("name"),
                                row.getString("status"), row.getOffsetDateTime("bound_at").toString(),
                                row.getOffsetDateTime("expires_at").toString(),
                                row.getOffsetDateTime("last_seen_at").toString(),
                                row.getString("device_id").equals(caller.deviceId())));
                    }
                    return List.copyOf(devices);
                });
    }

    /**
     * Unbinds one of the user's devices and signs it out, and tells payment-service to revoke its payment keys; a frozen
     * device stays (only ops unfreeze it).
     */
    public Uni<Void> unbind(Caller caller, String deviceId, String address) {
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM device WHERE user_id = $1 AND device_id = $2 "
                + "AND status = 'active' RETURNING device_id").execute(Tuple.of(caller.userId(), deviceId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw new ProblemException(404, "device-not-found", "No such device",
                                "No bound device " + deviceId + " on this account.");
                    }
                    return sessions.revokeDevice(tx, caller.userId(), deviceId, "unbound")
                            .flatMap(revoked -> payments.deviceUnbound(tx, caller.userId(), deviceId,
                                    caller.deviceId()))
                            .call(call -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.DEVICE_UNBIND,
                                    AuditLog.Outcome.SUCCESS).user(caller.userId()).device(deviceId).address(address)
                                    .with("by", caller.deviceId()).with("paymentCall", call)))
                            .replaceWithVoid();
                }));
    }

    private Uni<Void> changed(SqlConnection tx, Caller caller, String address, String factor) {
        return audit.record(tx, AuditLog.Event.of(AuditLog.Type.FACTOR_CHANGE, AuditLog.Outcome.SUCCESS)
                .user(caller.userId()).device(caller.deviceId()).address(address).with("change", factor))
                .call(() -> messages.alert(tx, caller.userId(), "security.factor_changed",
                        new JsonObject().put("factor", factor)));
    }
}
