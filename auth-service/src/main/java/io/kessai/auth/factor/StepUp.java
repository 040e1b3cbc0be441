package io.kessai.auth.factor;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AccountType;
import io.kessai.auth.AuthConfig;
import io.kessai.auth.Decision;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.auth.security.Caller;
import io.kessai.auth.throttle.Throttles;
import io.kessai.auth.token.AccessTokens;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Step-up: a signed-in user presents a second factor again and gets a short-lived token with {@code acr=step-up}
 * and a fresh {@code auth_time}, which risky actions demand (payments above a limit, changing a factor). Also checks
 * second factors for other flows of a signed-in user, with the per-account limit on authenticator and recovery tries.
 */
@ApplicationScoped
public class StepUp {

    private final Pool pool;
    private final OtpChallenges otps;
    private final SecondFactorCodes codes;
    private final UserMessages messages;
    private final AccessTokens tokens;
    private final Throttles throttles;
    private final AuditLog audit;
    private final AuthConfig config;

    StepUp(Pool pool, OtpChallenges otps, SecondFactorCodes codes, UserMessages messages,
            AccessTokens tokens, Throttles throttles, AuditLog audit, AuthConfig config) {
        this.pool = pool;
        this.otps = otps;
        this.codes = codes;
        this.messages = messages;
        this.tokens = tokens;
        this.throttles = throttles;
        this.audit = audit;
        this.config = config;
    }

    /** Sends an SMS code for a step-up to the user's phone. */
    public Uni<FactorRequest.SmsChallenge> sendSms(Caller caller) {
        return pool.withTransaction(tx -> liveSession(tx, caller).flatMap(user -> otps
                .issue(tx, OtpChallenges.Purpose.STEP_UP, caller.userId().toString(), user.phone())
                .call(issued -> messages.smsCode(tx, issued, caller.userId(), user.phone(), user.locale()))))
                .map(issued -> new FactorRequest.SmsChallenge(issued.id().toString(), issued.expiresAt().toString()));
    }

    public Uni<FactorRequest.StepUpToken> stepUp(Caller caller, FactorRequest.StepUp request, String address) {
        String amr = switch (request.method()) {
            case "sms" -> "sms";
            case "totp" -> "otp";
            default -> "rec";
        };
        return verify(caller, request.method(), request.code(), request.challengeId(), address)
                .flatMap(passed -> pool.withTransaction(tx -> liveSession(tx, caller)
                        .call(user -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.STEP_UP,
                                AuditLog.Outcome.SUCCESS).user(caller.userId()).device(caller.deviceId())
                                .address(address).with("method", request.method())))))
                .map(user -> {
                    AccessTokens.IssuedToken token = tokens.issueForUser(caller.userId(), user.type(),
                            caller.deviceId(), user.deviceBoundAt(),
                            caller.sessionId(), List.of(amr), AccessTokens.ACR_STEP_UP, Instant.now(),
                            config.session().stepUpLifetime());
                    return new FactorRequest.StepUpToken(token.value(), "Bearer", token.expiresInSeconds(),
                            AccessTokens.ACR_STEP_UP);
                });
    }

    /**
     * Checks a second factor of a signed-in user: an SMS step-up code, an authenticator code or a recovery code
     * (those two under the per-account try limit). A wrong code is audited and refused with 400 invalid-code.
     */
    public Uni<Void> verify(Caller caller, String method, String code, String challengeId, String address) {
        if ("sms".equals(method)) {
            UUID challenge = parse(challengeId);
            return otps.verify(challenge, OtpChallenges.Purpose.STEP_UP, code, caller.userId().toString())
                    .replaceWithVoid();
        }
        return throttles.secondFactor(caller.userId())
                .flatMap(allowed -> pool.withTransaction(tx -> codes.use(tx, caller.userId(), method, code)
                        .flatMap(ok -> ok
                                ? Uni.createFrom().item(Decision.<Void>accept(null))
                                : audit.record(tx, AuditLog.Event.of(AuditLog.Type.SECOND_FACTOR,
                                        AuditLog.Outcome.FAILURE).user(caller.userId()).device(caller.deviceId())
                                        .address(address).with("method", method))
                                        .replaceWith(Decision.<Void>refuse(invalidCode())))))
                .map(Decision::get);
    }

    /** The user behind a session that is still live: not frozen, not signed out, device not frozen. */
    public record LiveUser(String phone, String locale, AccountType type, Instant deviceBoundAt) {
    }

    /**
     * The caller's user, if the session the token belongs to is still live; 401 {@code session-ended} otherwise. An
     * access token outlives a logout or a freeze by its few minutes: what changes anything checks this first.
     */
    public Uni<LiveUser> liveSession(SqlConnection tx, Caller caller) {
        return tx.preparedQuery("SELECT u.phone_e164, u.locale, u.account_type, CASE WHEN d.key_thumbprint IS NOT NULL "
                + "THEN d.bound_at END AS device_bound_at FROM app_user u "
                + "JOIN refresh_family f ON f.user_id = u.id AND f.id = $2 AND f.revoked_at IS NULL "
                + "JOIN device d ON d.user_id = u.id AND d.device_id = f.device_id AND d.status = 'active' "
                + "WHERE u.id = $1 AND u.status = 'active'").execute(Tuple.of(caller.userId(), caller.sessionId()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new ProblemException(401, "session-ended", "Session ended",
                                "This session was signed out, or the account or device was frozen; sign in again.");
                    }
                    var row = rows.iterator().next();
                    return new LiveUser(row.getString("phone_e164"), row.getString("locale"),
                            AccountType.fromWire(row.getString("account_type")),
                            row.getOffsetDateTime("device_bound_at") == null
                                    ? null
                                    : row.getOffsetDateTime("device_bound_at").toInstant());
                });
    }

    private static UUID parse(String challengeId) {
        try {
            return UUID.fromString(challengeId);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.invalidField("challengeId", "must name the SMS challenge of this step-up");
        }
    }

    static ProblemException invalidCode() {
        return new ProblemException(400, "invalid-code", "Invalid code", "The code is wrong or has expired.");
    }
}
