package io.kessai.auth.message;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.outbox.Outbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Codes and security alerts for a user, queued in the outbox in the caller's transaction and delivered by
 * notification-service. Codes go to exactly one destination chosen here from what the account has verified; alerts
 * go to every verified channel, so the owner hears of a change even if one channel was taken over.
 */
@ApplicationScoped
public class UserMessages {

    private final Outbox outbox;
    private final AuthConfig.Otp otp;

    UserMessages(Outbox outbox, AuthConfig config) {
        this.outbox = outbox;
        this.otp = config.otp();
    }

    /** An SMS code to the given (verified, or being verified) phone. */
    public Uni<Void> smsCode(SqlConnection tx, OtpChallenges.Issued issued, UUID userId, String phone, String locale) {
        return code(tx, "otp.sms", issued, locale,
                new JsonObject().put("userId", userId.toString()).put("phone", phone));
    }

    /** A mail code to the given address (an address being verified, or the account's verified one). */
    public Uni<Void> emailCode(SqlConnection tx, OtpChallenges.Issued issued, UUID userId, String email,
            String locale) {
        return code(tx, "otp.email", issued, locale, new JsonObject().put("userId", userId.toString()).put("email",
                email));
    }

    /** A password-reset code, to one verified destination of the account ({@code phone} or {@code email}). */
    public Uni<Void> resetCode(SqlConnection tx, OtpChallenges.Issued issued, UUID userId, String phone, String email,
            String locale) {
        JsonObject recipient = new JsonObject().put("userId", userId.toString());
        if (email != null) {
            recipient.put("email", email);
        } else {
            recipient.put("phone", phone);
        }
        return code(tx, "security.password_reset", issued, locale, recipient);
    }

    /** An alert of {@code type} to every verified channel of the user. */
    public Uni<Void> alert(SqlConnection tx, UUID userId, String type, JsonObject data) {
        return tx.preparedQuery("SELECT phone_e164, email, email_verified_at IS NOT NULL AS email_verified, locale "
                + "FROM app_user WHERE id = $1").execute(Tuple.of(userId))
                .flatMap(rows -> {
                    var user = rows.iterator().next();
                    JsonObject recipient = new JsonObject().put("userId", userId.toString())
                            .put("phone", user.getString("phone_e164"));
                    if (user.getBoolean("email_verified")) {
                        recipient.put("email", user.getString("email"));
                    }
                    return outbox.enqueue(tx, new JsonObject()
                            .put("eventId", "auth:alert:" + TimeOrderedUuid.next())
                            .put("type", type)
                            .put("locale", user.getString("locale"))
                            .put("recipient", recipient)
                            .put("data", data));
                })
                .replaceWithVoid();
    }

    private Uni<Void> code(SqlConnection tx, String type, OtpChallenges.Issued issued, String locale,
            JsonObject recipient) {
        return outbox.enqueue(tx, new JsonObject()
                .put("eventId", "auth:otp:" + issued.id())
                .put("type", type)
                .put("locale", locale)
                .put("recipient", recipient)
                .put("data", new JsonObject().put("code", issued.code()).put("ttlSeconds", otp.lifetime().toSeconds())))
                .replaceWithVoid();
    }
}
