package io.kessai.auth.reset;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.Decision;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.factor.SecondFactorCodes;
import io.kessai.auth.factor.TotpFactors;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.throttle.Lockouts;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Password reset through the account's verified channels only (7pay sent reset links to an address the request
 * chose). The request names a phone number and, at most, which verified channel to prefer; the code goes to the
 * account's verified phone, or to its verified email when asked for and there is one. A number without an active
 * account gets the same answer with a challenge that no code can pass, and nothing is sent.
 *
 * <p>Every request is counted against the number's code limits (one per 30 s, five an hour), also when the code goes by
 * email: a challenge that no code passes is then recorded at the number. So a 429 depends only on the number's
 * history and never tells whether it has an account or a verified email.
 *
 * <p>Completing needs the code, a new password that passes the policy (checked before the code is spent), and, for
 * an account with an authenticator app, a TOTP or recovery code too, so that a SIM swap alone cannot take it over.
 * The change ends every session, clears the number's lockout (also the hard one), and alerts every verified channel.
 */
@ApplicationScoped
public class PasswordResets {

    /** The subject of a challenge that no code can pass (unknown or inactive number; the count at the number). */
    static final String DECOY = "decoy";
    /** {@code revoked_reason} of the sessions a reset ends. */
    static final String REVOKED_REASON = "password-reset";

    private final Pool pool;
    private final OtpChallenges challenges;
    private final UserMessages messages;
    private final PasswordHasher hasher;
    private final TotpFactors totp;
    private final SecondFactorCodes codes;
    private final Sessions sessions;
    private final Lockouts lockouts;
    private final Throttles throttles;
    private final AuditLog audit;
    private final AuthConfig config;

    PasswordResets(Pool pool, OtpChallenges challenges, UserMessages messages, PasswordHasher hasher,
            TotpFactors totp, SecondFactorCodes codes, Sessions sessions, Lockouts lockouts, Throttles throttles,
            AuditLog audit, AuthConfig config) {
        this.pool = pool;
        this.challenges = challenges;
        this.messages = messages;
        this.hasher = hasher;
        this.totp = totp;
        this.codes = codes;
        this.sessions = sessions;
        this.lockouts = lockouts;
        this.throttles = throttles;
        this.audit = audit;
        this.config = config;
    }

    public Uni<PasswordResetRequest.Started> request(PasswordResetRequest.Start request, String address) {
        String phone = PhoneNumbers.toE164(request.phone(), "phone");
        boolean emailAsked = "email".equals(request.channel());
        AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.PASSWORD_RESET_REQUEST, AuditLog.Outcome.SUCCESS)
                .phone(phone).address(address).with("channel", emailAsked ? "email" : "sms");
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT id, status, email, "
                + "email_verified_at IS NOT NULL AS email_verified, locale FROM app_user WHERE phone_e164 = $1")
                .execute(Tuple.of(phone))
                .flatMap(rows -> {
                    Row user = rows.size() == 1 ? rows.iterator().next() : null;
                    if (user == null || !"active".equals(user.getString("status"))) {
                        return challenges.issue(tx, OtpChallenges.Purpose.RESET, DECOY, phone)
                                .call(issued -> audit.record(tx, event.user(user == null ? null : user.getUUID("id"))
                                        .with("decoy", true)
                                        .with("reason", user == null
                                                ? "unknown-number"
                                                : "account-" + user.getString("status"))
                                        .with("reset", issued.id().toString())));
                    }
                    UUID userId = user.getUUID("id");
                    String email = emailAsked && user.getBoolean("email_verified") ? user.getString("email") : null;
                    Uni<OtpChallenges.Issued> issued = email == null
                            ? challenges.issue(tx, OtpChallenges.Purpose.RESET, userId.toString(), phone)
                            : challenges.issue(tx, OtpChallenges.Purpose.RESET, DECOY, phone)
                                    .flatMap(counted -> challenges.issue(tx, OtpChallenges.Purpose.RESET,
                                            userId.toString(), email));
                    return issued
                            .call(code -> messages.resetCode(tx, code, userId, phone, email,
                                    user.getString("locale")))
                            .call(code -> audit.record(tx, event.user(userId).with("decoy", false)
                                    .with("sentTo", email == null ? "sms" : "email")
                                    .with("reset", code.id().toString())));
                }))
                .onFailure(ProblemException.class).call(refused -> audit.record(event
                        .outcome(AuditLog.Outcome.REFUSED).with("reason", ((ProblemException) refused).code())))
                .map(issued -> new PasswordResetRequest.Started(issued.id().toString(),
                        issued.expiresAt().toString()));
    }

    public Uni<PasswordResetRequest.Completed> complete(String resetId, PasswordResetRequest.Complete request,
            String address) {
        UUID id = parse(resetId);
        AuditLog.Event refused = AuditLog.Event.of(AuditLog.Type.PASSWORD_RESET, AuditLog.Outcome.REFUSED)
                .address(address).with("reset", id.toString());
        // The number the new password must not contain. Known for decoys too (their destination), so that a weak
        // password gets the same answer whether or not the number has an account.
        return pool.preparedQuery("SELECT c.destination, u.phone_e164 FROM otp_challenge c "
                + "LEFT JOIN app_user u ON u.id::text = c.subject WHERE c.id = $1 AND c.purpose = $2")
                .execute(Tuple.of(id, OtpChallenges.Purpose.RESET.wire()))
                .flatMap(rows -> {
                    Row challenge = rows.size() == 1 ? rows.iterator().next() : null;
                    String phone = challenge == null ? null : challenge.getString("phone_e164");
                    if (phone == null && challenge != null && challenge.getString("destination").startsWith("+")) {
                        phone = challenge.getString("destination");
                    }
                    // Policy and hash before the code is checked: a weak password does not spend the code.
                    return hasher.checkAndHash(request.newPassword(), phone, "newPassword");
                })
                .flatMap(hash -> challenges.verify(id, OtpChallenges.Purpose.RESET, request.code())
                        .onFailure(ProblemException.class).call(wrong -> audit.record(refused
                                .with("reason", ((ProblemException) wrong).code())))
                        .flatMap(subject -> {
                            UUID userId = userIdOf(subject);
                            if (userId == null) {
                                return audit.record(refused.with("reason", "decoy")).map(recorded -> {
                                    throw invalidCode("The code is wrong or has expired.");
                                });
                            }
                            return change(id, userId, hash, request.secondFactor(), address);
                        }));
    }

    /** After the code passed: the second factor where the account has an authenticator app, then the change. */
    private Uni<PasswordResetRequest.Completed> change(UUID resetId, UUID userId, String hash,
            PasswordResetRequest.SecondFactor factor, String address) {
        AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.PASSWORD_RESET, AuditLog.Outcome.SUCCESS)
                .user(userId).address(address).with("reset", resetId.toString());
        return pool.<Decision<PasswordResetRequest.Completed>>withTransaction(tx -> tx.preparedQuery(
                "SELECT phone_e164, status FROM app_user WHERE id = $1 FOR UPDATE").execute(Tuple.of(userId))
                .flatMap(rows -> {
                    Row user = rows.size() == 1 ? rows.iterator().next() : null;
                    if (user == null || !"active".equals(user.getString("status"))) {
                        // Frozen since the request: nothing changes, and the code stays spent.
                        return audit.record(tx, event.outcome(AuditLog.Outcome.REFUSED).with("reason",
                                user == null ? "no-account" : "account-" + user.getString("status")))
                                .replaceWith(Decision.<PasswordResetRequest.Completed>refuse(
                                        invalidCode("The code is wrong or has expired.")));
                    }
                    String phone = user.getString("phone_e164");
                    AuditLog.Event known = event.phone(phone);
                    return totp.active(tx, userId).<Decision<PasswordResetRequest.Completed>>flatMap(required -> {
                        if (!required) {
                            return apply(tx, userId, phone, hash, known.with("secondFactor", "none"));
                        }
                        if (factor == null) {
                            // The code was right: it stays usable, so the app can send it again with the second one.
                            return reopen(tx, resetId, 0)
                                    .call(attempts -> audit.record(tx, known.outcome(AuditLog.Outcome.REFUSED)
                                            .with("reason", "second-factor-required")))
                                    .replaceWith(Decision.refuse(secondFactorRequired()));
                        }
                        return secondFactor(tx, resetId, userId, phone, hash, factor, known);
                    });
                }))
                .map(Decision::get);
    }

    private Uni<Decision<PasswordResetRequest.Completed>> secondFactor(SqlConnection tx, UUID resetId, UUID userId,
            String phone, String hash, PasswordResetRequest.SecondFactor factor, AuditLog.Event event) {
        // The same per-account budget as sign-in and step-up: new reset codes do not buy new guesses.
        Uni<ProblemException> throttled = throttles.secondFactor(userId)
                .replaceWith((ProblemException) null)
                .onFailure(ProblemException.class).recoverWithItem(refusal -> (ProblemException) refusal);
        return throttled.flatMap(tooMany -> {
            if (tooMany != null) {
                return reopen(tx, resetId, 0).replaceWith(Decision.<PasswordResetRequest.Completed>refuse(tooMany));
            }
            boolean app = "totp".equals(factor.method());
            return codes.use(tx, userId, factor.method(), factor.code()).flatMap(ok -> {
                if (ok) {
                    return apply(tx, userId, phone, hash, event.with("secondFactor", factor.method()));
                }
                // Counted on the reset's challenge, which then stays open for its remaining attempts.
                return reopen(tx, resetId, 1)
                        .call(attempts -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.SECOND_FACTOR,
                                AuditLog.Outcome.FAILURE).user(userId).phone(phone).address(event.address())
                                .with("method", factor.method()).with("for", "password-reset")
                                .with("reset", resetId.toString())))
                        .map(attempts -> {
                            int left = config.otp().maxAttempts() - attempts;
                            return Decision.refuse(left <= 0
                                    ? new ProblemException(400, "code-attempts-exhausted", "Too many wrong codes",
                                            "Too many wrong codes for this reset; ask for a new one.")
                                    : invalidCode("The " + (app ? "authenticator-app" : "recovery")
                                            + " code is wrong; " + left + " attempt" + (left == 1 ? "" : "s")
                                            + " left."));
                        });
            });
        });
    }

    /** The change itself, in one transaction: password, lockout, sessions, waiting sign-ins, audit, alert. */
    private Uni<Decision<PasswordResetRequest.Completed>> apply(SqlConnection tx, UUID userId, String phone,
            String hash, AuditLog.Event event) {
        return tx.preparedQuery("UPDATE app_user SET password_hash = $2 WHERE id = $1").execute(Tuple.of(userId, hash))
                .call(() -> lockouts.succeeded(tx, phone))
                // Sign-ins waiting for a second factor were opened with the old password.
                .call(() -> tx.preparedQuery("UPDATE login_challenge SET used_at = now() WHERE user_id = $1 "
                        + "AND used_at IS NULL").execute(Tuple.of(userId)))
                .flatMap(updated -> sessions.revokeAll(tx, userId, REVOKED_REASON))
                .call(ended -> audit.record(tx, event.with("sessionsEnded", ended)))
                .call(() -> messages.alert(tx, userId, "security.password_changed", new JsonObject()))
                .map(done -> Decision.accept(new PasswordResetRequest.Completed("password-changed")));
    }

    /**
     * Makes the reset's challenge usable again after its right code was spent by a request that then stopped at the
     * second factor, adding {@code counted} to its attempts; answers the attempts so far. Its expiry is unchanged.
     */
    private static Uni<Integer> reopen(SqlConnection tx, UUID resetId, int counted) {
        return tx.preparedQuery("UPDATE otp_challenge SET used_at = NULL, attempts = attempts + $2 WHERE id = $1 "
                + "RETURNING attempts").execute(Tuple.of(resetId, counted))
                .map(rows -> rows.iterator().next().getInteger("attempts"));
    }

    private static UUID userIdOf(String subject) {
        try {
            return UUID.fromString(subject);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static UUID parse(String resetId) {
        try {
            return UUID.fromString(resetId);
        } catch (IllegalArgumentException e) {
            throw invalidCode("The code is wrong or has expired.");
        }
    }

    private static ProblemException secondFactorRequired() {
        return new ProblemException(400, "second-factor-required", "Second factor required",
                "This account has an authenticator app: send the code again with a code from the app or a recovery "
                        + "code.");
    }

    private static ProblemException invalidCode(String detail) {
        return new ProblemException(400, "invalid-code", "Invalid code", detail);
    }
}
