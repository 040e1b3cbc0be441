package io.kessai.auth.factor;

import java.time.Instant;
import java.util.OptionalLong;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.totp.Totp;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A user's authenticator app (table {@code totp_factor}): a pending secret until a first code confirms it, then the
 * active factor. Checking a code locks the row and moves {@code last_step} forward, so a code is accepted at most
 * once even when two requests race with it.
 */
@ApplicationScoped
public class TotpFactors {

    /** Whether the user has a confirmed authenticator app. */
    public Uni<Boolean> active(SqlConnection tx, UUID userId) {
        return tx.preparedQuery("SELECT 1 FROM totp_factor WHERE user_id = $1 AND status = 'active'")
                .execute(Tuple.of(userId)).map(rows -> rows.size() == 1);
    }

    /** Checks a code of the user's active factor and uses it up; false when wrong, stale, replayed or no factor. */
    public Uni<Boolean> verify(SqlConnection tx, UUID userId, String code) {
        return check(tx, userId, code, "active");
    }

    /** Starts (or restarts) an enrollment with a new secret; answers the secret to show once. */
    public Uni<byte[]> begin(SqlConnection tx, UUID userId) {
        byte[] secret = Totp.newSecret();
        return tx.preparedQuery("INSERT INTO totp_factor (user_id, secret, status) VALUES ($1, $2, 'pending') "
                + "ON CONFLICT (user_id) DO UPDATE SET secret = $2, last_step = 0, created_at = now() "
                + "WHERE totp_factor.status = 'pending' RETURNING user_id")
                .execute(Tuple.of(userId, Buffer.buffer(secret)))
                .map(rows -> rows.size() == 1 ? secret : null);
    }

    /** Confirms a pending enrollment with its first code; false when the code is wrong or nothing is pending. */
    public Uni<Boolean> confirm(SqlConnection tx, UUID userId, String code) {
        return check(tx, userId, code, "pending").call(ok -> ok
                ? tx.preparedQuery("UPDATE totp_factor SET status = 'active', confirmed_at = now() WHERE user_id = $1")
                        .execute(Tuple.of(userId))
                : Uni.createFrom().voidItem());
    }

    /** Removes the user's factor (active or pending); false when there was none. */
    public Uni<Boolean> remove(SqlConnection tx, UUID userId) {
        return tx.preparedQuery("DELETE FROM totp_factor WHERE user_id = $1").execute(Tuple.of(userId))
                .map(rows -> rows.rowCount() == 1);
    }

    private Uni<Boolean> check(SqlConnection tx, UUID userId, String code, String status) {
        return tx.preparedQuery("SELECT secret, last_step FROM totp_factor WHERE user_id = $1 AND status = $2 "
                + "FOR UPDATE").execute(Tuple.of(userId, status))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    Row factor = rows.iterator().next();
                    OptionalLong step = Totp.acceptedStep(factor.getBuffer("secret").getBytes(), code, Instant.now(),
                            factor.getLong("last_step"));
                    if (step.isEmpty()) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("UPDATE totp_factor SET last_step = $2 WHERE user_id = $1")
                            .execute(Tuple.of(userId, step.getAsLong())).map(updated -> true);
                });
    }
}
