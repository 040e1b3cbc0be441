package io.kessai.auth.email;

import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.auth.security.Caller;
import io.kessai.auth.throttle.TokenBuckets;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The account's email address, added or changed after registration. Starting needs a step-up token (checked by the
 * resource); the code goes to the new address, and the address is stored only once that code comes back, so an
 * unverified address is never a channel. The challenge's subject binds it to the user and the address
 * ({@code userId:email}), so nobody else can confirm it. The change alerts every channel verified before it (the
 * phone, and the old address if there was one), so an owner whose session was taken over hears of it.
 */
@ApplicationScoped
public class EmailAddresses {

    /** Codes one account may send to addresses at once, then one more every 12 minutes (five an hour). */
    static final TokenBuckets.Limit CODES_PER_ACCOUNT = new TokenBuckets.Limit("email-code", 5,
            Duration.ofMinutes(12));

    private final Pool pool;
    private final OtpChallenges challenges;
    private final UserMessages messages;
    private final TokenBuckets buckets;
    private final AuditLog audit;

    EmailAddresses(Pool pool, OtpChallenges challenges, UserMessages messages, TokenBuckets buckets, AuditLog audit) {
        this.pool = pool;
        this.challenges = challenges;
        this.messages = messages;
        this.buckets = buckets;
        this.audit = audit;
    }

    /** Sends a code to {@code typed} (the domain lowercased); the address is stored once it is confirmed. */
    public Uni<EmailRequest.Started> change(Caller caller, String typed, String address) {
        String email = normalize(typed);
        UUID userId = caller.userId();
        return buckets.take(CODES_PER_ACCOUNT, userId.toString())
                .flatMap(allowed -> pool.withTransaction(tx -> tx.preparedQuery("SELECT status, locale FROM app_user "
                        + "WHERE id = $1").execute(Tuple.of(userId))
                        .flatMap(rows -> {
                            Row user = active(rows.size() == 1 ? rows.iterator().next() : null);
                            return challenges.issue(tx, OtpChallenges.Purpose.EMAIL_VERIFY, userId + ":" + email,
                                    email)
                                    .call(issued -> messages.emailCode(tx, issued, userId, email,
                                            user.getString("locale")))
                                    .call(issued -> audit.record(tx, event(caller, address, AuditLog.Outcome.SUCCESS)
                                            .with("step", "code-sent").with("email", email)
                                            .with("challenge", issued.id().toString())));
                        })))
                .map(issued -> new EmailRequest.Started(issued.id().toString(), issued.expiresAt().toString()));
    }

    /** Confirms the caller's own challenge with its code: the address becomes the account's verified email. */
    public Uni<EmailRequest.Verified> confirm(Caller caller, EmailRequest.Confirm request, String address) {
        UUID id = parse(request.challengeId());
        String prefix = caller.userId() + ":";
        AuditLog.Event refused = event(caller, address, AuditLog.Outcome.REFUSED).with("challenge", id.toString());
        // Someone else's challenge is refused before its code is checked, so it cannot be used to spend its attempts.
        return pool.preparedQuery("SELECT subject FROM otp_challenge WHERE id = $1 AND purpose = $2")
                .execute(Tuple.of(id, OtpChallenges.Purpose.EMAIL_VERIFY.wire()))
                .flatMap(rows -> {
                    if (rows.size() == 0 || !rows.iterator().next().getString("subject").startsWith(prefix)) {
                        return audit.record(refused.with("reason", rows.size() == 0 ? "unknown" : "not-own"))
                                .map(recorded -> {
                                    throw invalidCode();
                                });
                    }
                    return challenges.verify(id, OtpChallenges.Purpose.EMAIL_VERIFY, request.code())
                            .onFailure(ProblemException.class).call(wrong -> audit.record(refused
                                    .with("reason", ((ProblemException) wrong).code())));
                })
                .flatMap(subject -> {
                    String email = subject.substring(prefix.length());
                    return pool.withTransaction(tx -> tx.preparedQuery("SELECT status, email, email_verified_at "
                            + "IS NOT NULL AS email_verified FROM app_user WHERE id = $1 FOR UPDATE")
                            .execute(Tuple.of(caller.userId()))
                            .flatMap(rows -> {
                                Row user = active(rows.size() == 1 ? rows.iterator().next() : null);
                                String old = user.getBoolean("email_verified") ? user.getString("email") : null;
                                // Before the update: the alert goes to the channels verified until now, the old
                                // address included.
                                Uni<Void> alert = email.equals(old)
                                        ? Uni.createFrom().voidItem()
                                        : messages.alert(tx, caller.userId(), "security.factor_changed",
                                                new JsonObject().put("factor", "email_changed"));
                                return alert
                                        .flatMap(alerted -> tx.preparedQuery("UPDATE app_user SET email = $2, "
                                                + "email_verified_at = now() WHERE id = $1")
                                                .execute(Tuple.of(caller.userId(), email)))
                                        .call(() -> audit.record(tx, event(caller, address, AuditLog.Outcome.SUCCESS)
                                                .with("step", "verified").with("email", email)
                                                .with("replaced", old != null && !email.equals(old))
                                                .with("challenge", id.toString())))
                                        .map(updated -> new EmailRequest.Verified(email, true));
                            }));
                });
    }

    /** The address with its domain in lower case (domains are case-insensitive; the local part may not be). */
    static String normalize(String email) {
        int at = email.lastIndexOf('@');
        return email.substring(0, at) + "@" + email.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    private static Row active(Row user) {
        if (user == null || !"active".equals(user.getString("status"))) {
            throw new ProblemException(403, "forbidden", "Forbidden", "This account cannot change its email now.");
        }
        return user;
    }

    private static AuditLog.Event event(Caller caller, String address, AuditLog.Outcome outcome) {
        return AuditLog.Event.of(AuditLog.Type.EMAIL_VERIFICATION, outcome).user(caller.userId())
                .device(caller.deviceId()).address(address);
    }

    private static UUID parse(String challengeId) {
        try {
            return UUID.fromString(challengeId);
        } catch (IllegalArgumentException e) {
            throw invalidCode();
        }
    }

    private static ProblemException invalidCode() {
        return new ProblemException(400, "invalid-code", "Invalid code", "The code is wrong or has expired.");
    }
}
