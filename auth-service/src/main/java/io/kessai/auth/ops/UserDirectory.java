package io.kessai.auth.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.factor.TotpFactors;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.recovery.RecoveryCodes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/** Looks users up for ops, by id or by phone number, with their devices and second factors. */
@ApplicationScoped
public class UserDirectory {

    private final Pool pool;
    private final TotpFactors totp;
    private final RecoveryCodes recoveryCodes;

    UserDirectory(Pool pool, TotpFactors totp, RecoveryCodes recoveryCodes) {
        this.pool = pool;
        this.totp = totp;
        this.recoveryCodes = recoveryCodes;
    }

    public Uni<OpsViews.User> byId(String userId) {
        UUID id = OpsProblems.existingUserId(userId);
        return pool.withConnection(connection -> view(connection, id));
    }

    /** The phone in any form a customer types it; 400 {@code invalid-phone-number} when it is not a mobile number. */
    public Uni<OpsViews.User> byPhone(String phone) {
        String e164 = PhoneNumbers.toE164(phone, "phone");
        return pool.withConnection(connection -> connection.preparedQuery("SELECT id FROM app_user "
                + "WHERE phone_e164 = $1").execute(Tuple.of(e164))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw OpsProblems.userNotFound();
                    }
                    return view(connection, rows.iterator().next().getUUID("id"));
                }));
    }

    /** The user as it stands in {@code connection} (inside a change's transaction: as it will be committed). */
    Uni<OpsViews.User> view(SqlConnection connection, UUID userId) {
        return connection.preparedQuery("SELECT id, phone_e164, status, email, email_verified_at IS NOT NULL "
                + "AS email_verified, created_at, activated_at, frozen_at, frozen_reason FROM app_user WHERE id = $1")
                .execute(Tuple.of(userId))
                .flatMap(users -> {
                    if (users.size() == 0) {
                        throw OpsProblems.userNotFound();
                    }
                    Row user = users.iterator().next();
                    return devices(connection, userId)
                            .flatMap(devices -> totp.active(connection, userId)
                                    .flatMap(hasTotp -> recoveryCodes.remaining(connection, userId)
                                            .map(left -> new OpsViews.User(userId.toString(),
                                                    user.getString("phone_e164"), user.getString("status"),
                                                    user.getString("email"), user.getBoolean("email_verified"),
                                                    user.getOffsetDateTime("created_at"),
                                                    user.getOffsetDateTime("activated_at"),
                                                    user.getOffsetDateTime("frozen_at"),
                                                    user.getString("frozen_reason"), devices, hasTotp, left))));
                });
    }

    /** Every device of the user, most recently seen first (a handful: each one was bound by a second factor). */
    private static Uni<List<OpsViews.Device>> devices(SqlConnection connection, UUID userId) {
        return connection.preparedQuery("SELECT device_id, name, status, bound_at, expires_at, last_seen_at, "
                + "frozen_reason FROM device WHERE user_id = $1 ORDER BY last_seen_at DESC, device_id")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    List<OpsViews.Device> devices = new ArrayList<>();
                    for (Row row : rows) {
                        devices.add(device(row));
                    }
                    return List.copyOf(devices);
                });
    }

    static OpsViews.Device device(Row row) {
        return new OpsViews.Device(row.getString("device_id"), row.getString("name"), row.getString("status"),
                row.getOffsetDateTime("bound_at"), row.getOffsetDateTime("expires_at"),
                row.getOffsetDateTime("last_seen_at"), row.getString("frozen_reason"));
    }
}
