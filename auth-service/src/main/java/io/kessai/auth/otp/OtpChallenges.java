package io.kessai.auth.otp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * SMS one-time codes: six digits from a CSPRNG, valid for at most five minutes, single use, ended after five wrong
 * attempts, and stored only as an HMAC keyed by {@link OtpPepper}. Sends are limited per number (one per 30 s for
 * the same purpose, so a sign-in right after registering still gets its code; five per hour in all): SMS costs money and is an abuse target. The caller sends the code (through the outbox) in the
 * transaction that issued it.
 */
@ApplicationScoped
public class OtpChallenges {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a code is for; a code for one purpose never passes for another. */
    public enum Purpose {

        REGISTER, LOGIN, RESET, STEP_UP, FACTOR_CHANGE, EMAIL_VERIFY;

        public String wire() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** A code to send, and the challenge that will check it. */
    public record Issued(UUID id, String code, OffsetDateTime expiresAt) {
    }

    private final Pool pool;
    private final AuthConfig.Otp config;
    private final byte[] pepper;

    OtpChallenges(Pool pool, AuthConfig config, OtpPepper pepper) {
        this.pool = pool;
        this.config = config.otp();
        this.pepper = pepper.key();
    }

    /** Issues a code for {@code subject} to {@code destination} (a phone in E.164 or an email address), or 429 when that destination has had too many. */
    public Uni<Issued> issue(SqlConnection tx, Purpose purpose, String subject, String destination) {
        UUID id = TimeOrderedUuid.next();
        String code = String.format("%06d", RANDOM.nextInt(1_000_000));
        // Serialises issues to one number, so two concurrent requests cannot both slip under the limits.
        return tx.preparedQuery("SELECT pg_advisory_xact_lock(hashtext('otp:' || $1))").execute(Tuple.of(destination))
                .flatMap(locked -> tx.preparedQuery("SELECT now() AS now, "
                        + "max(created_at) FILTER (WHERE purpose = $2) AS last, "
                        + "count(*) FILTER (WHERE created_at > now() - interval '1 hour') AS last_hour, "
                        + "min(created_at) FILTER (WHERE created_at > now() - interval '1 hour') AS oldest "
                        + "FROM otp_challenge WHERE destination = $1").execute(Tuple.of(destination, purpose.wire())))
                .flatMap(rows -> {
                    checkSendLimits(rows.iterator().next());
                    return tx.preparedQuery("INSERT INTO otp_challenge (id, purpose, subject, destination, code_hmac, "
                            + "expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) "
                            + "RETURNING expires_at")
                            .execute(Tuple.of(id, purpose.wire(), subject, destination, hmac(id, code),
                                    (double) config.lifetime().toSeconds()));
                })
                .map(rows -> new Issued(id, code, rows.iterator().next().getOffsetDateTime("expires_at")));
    }

    /**
     * Checks a code and uses the challenge up; answers the challenge's subject. A wrong code counts against the
     * challenge even though the request fails (the count is committed before the refusal is raised).
     */
    public Uni<String> verify(UUID id, Purpose purpose, String code) {
        return verify(id, purpose, code, null);
    }

    /**
     * As {@link #verify(UUID, Purpose, String)}, for a challenge that must belong to {@code subject}: someone else's
     * challenge is treated as unknown, and neither its code nor its attempts are touched.
     */
    public Uni<String> verify(UUID id, Purpose purpose, String code, String subject) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT subject, code_hmac, attempts, used_at, "
                + "expires_at <= now() AS expired FROM otp_challenge WHERE id = $1 AND purpose = $2 "
                + "AND ($3::text IS NULL OR subject = $3) FOR UPDATE")
                .execute(Tuple.of(id, purpose.wire(), subject))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Result.refused(invalid("The code is wrong or has expired.")));
                    }
                    Row challenge = rows.iterator().next();
                    if (challenge.getOffsetDateTime("used_at") != null || challenge.getBoolean("expired")) {
                        return Uni.createFrom().item(Result.refused(new ProblemException(400, "code-expired",
                                "Code expired", "This code was used or has expired; ask for a new one.")));
                    }
                    int attempts = challenge.getInteger("attempts");
                    if (attempts >= config.maxAttempts()) {
                        return Uni.createFrom().item(Result.refused(exhausted()));
                    }
                    boolean matches = code != null && code.matches("\\d{6}") && MessageDigest.isEqual(
                            hmac(id, code).getBytes(StandardCharsets.US_ASCII),
                            challenge.getString("code_hmac").getBytes(StandardCharsets.US_ASCII));
                    if (matches) {
                        return tx.preparedQuery("UPDATE otp_challenge SET used_at = now() WHERE id = $1")
                                .execute(Tuple.of(id))
                                .map(updated -> Result.accepted(challenge.getString("subject")));
                    }
                    int left = config.maxAttempts() - attempts - 1;
                    return tx.preparedQuery("UPDATE otp_challenge SET attempts = attempts + 1 WHERE id = $1")
                            .execute(Tuple.of(id))
                            .map(updated -> Result.refused(left == 0
                                    ? exhausted()
                                    : invalid("The code is wrong; " + left + " attempt" + (left == 1 ? "" : "s")
                                            + " left.")));
                }))
                .map(result -> {
                    if (result.refusal() != null) {
                        throw result.refusal();
                    }
                    return result.subject();
                });
    }

    private record Result(String subject, ProblemException refusal) {

        static Result accepted(String subject) {
            return new Result(subject, null);
        }

        static Result refused(ProblemException refusal) {
            return new Result(null, refusal);
        }
    }

    private void checkSendLimits(Row history) {
        OffsetDateTime now = history.getOffsetDateTime("now");
        OffsetDateTime last = history.getOffsetDateTime("last");
        if (last != null && last.plus(config.resendInterval()).isAfter(now)) {
            throw tooMany(Duration.between(now, last.plus(config.resendInterval())));
        }
        if (history.getLong("last_hour") >= config.maxPerHour()) {
            throw tooMany(Duration.between(now, history.getOffsetDateTime("oldest").plusHours(1)));
        }
    }

    private static ProblemException tooMany(Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ProblemException(429, "too-many-codes", "Too many codes",
                "Too many codes were sent to this number; try again in " + seconds + " s.", List.of(),
                Map.of("Retry-After", Long.toString(seconds)));
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(400, "invalid-code", "Invalid code", detail);
    }

    private ProblemException exhausted() {
        return new ProblemException(400, "code-attempts-exhausted", "Too many wrong codes",
                "This code was entered wrongly " + config.maxAttempts() + " times; ask for a new one.");
    }

    private String hmac(UUID id, String code) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pepper, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((id + ":" + code).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
