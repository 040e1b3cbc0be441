package io.kessai.auth.login;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AccountType;
import io.kessai.auth.AuthConfig;
import io.kessai.auth.Decision;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.device.DpopVerifier;
import io.kessai.auth.factor.SecondFactorCodes;
import io.kessai.auth.factor.TotpFactors;
import io.kessai.auth.message.UserMessages;
import io.kessai.auth.otp.OtpChallenges;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.auth.phone.PhoneNumbers;
import io.kessai.auth.recovery.RecoveryCodes;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.throttle.Lockouts;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.common.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sign-in: phone, password and device. Unknown number, wrong password, an account that is not active and a frozen
 * device all get the same 401 after the same Argon2id work. A bound device signs in with the password (the binding
 * was made by a second factor); any other device gets a challenge that only a second factor passes (SMS code,
 * authenticator app or recovery code), which then binds the device and alerts every verified channel.
 */
@ApplicationScoped
public class Logins {

    /** {@code amr} of a password (RFC 8176). */
    static final String PASSWORD = "pwd";
    /** {@code amr} of a proof of possession of the device key (RFC 8176 "pop"). */
    static final String DEVICE_KEY = "pop";

    /** What a sign-in came to: a session, or a challenge for a second factor. */
    public record Outcome(LoginRequest.SessionView session, LoginRequest.ChallengeView challenge) {
    }

    private final Pool pool;
    private final PasswordHasher hasher;
    private final Lockouts lockouts;
    private final Sessions sessions;
    private final OtpChallenges otps;
    private final TotpFactors totp;
    private final RecoveryCodes recoveryCodes;
    private final SecondFactorCodes codes;
    private final UserMessages messages;
    private final AuditLog audit;
    private final Throttles throttles;
    private final AuthConfig config;
    /** A wrong password that locked its number; a sign-in refused while its number was locked (alerting). */
    private final Counter lockedNumbers;
    private final Counter lockedRefusals;

    Logins(Pool pool, PasswordHasher hasher, Lockouts lockouts, Sessions sessions, OtpChallenges otps,
            TotpFactors totp, RecoveryCodes recoveryCodes, SecondFactorCodes codes, UserMessages messages,
            AuditLog audit, Throttles throttles,
            AuthConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.hasher = hasher;
        this.lockouts = lockouts;
        this.sessions = sessions;
        this.otps = otps;
        this.totp = totp;
        this.recoveryCodes = recoveryCodes;
        this.codes = codes;
        this.messages = messages;
        this.audit = audit;
        this.throttles = throttles;
        this.config = config;
        this.lockedNumbers = Counter.builder("kessai.auth.lockouts").tag("event", "locked")
                .description("Wrong passwords that locked their phone number").register(metrics);
        this.lockedRefusals = Counter.builder("kessai.auth.lockouts").tag("event", "refused")
                .description("Sign-ins refused because their phone number was locked").register(metrics);
    }

    /**
     * A sign-in with phone, password and device; {@code proof} is the request's device proof, spent already, or
     * {@code null} when it carried none. Only a proof of the key the device was bound to lets the password alone in.
     */
    public Uni<Outcome> start(LoginRequest.Start request, String address, DpopVerifier.Proof proof) {
        String phone = PhoneNumbers.toE164(request.phone(), "phone");
        AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.LOGIN, AuditLog.Outcome.FAILURE).phone(phone)
                .device(request.deviceId()).address(address);
        return lockouts.attempt(phone)
                .onFailure(ProblemException.class).invoke(() -> lockedRefusals.increment())
                .onFailure(ProblemException.class).call(locked -> audit.record(AuditLog.Event
                        .of(AuditLog.Type.LOCKOUT, AuditLog.Outcome.REFUSED).phone(phone).device(request.deviceId())
                        .address(address)))
                .flatMap(attempt -> pool.preparedQuery("SELECT id, password_hash, status, account_type FROM app_user "
                        + "WHERE phone_e164 = $1").execute(Tuple.of(phone))
                        .flatMap(rows -> {
                            Row user = rows.size() == 1 ? rows.iterator().next() : null;
                            return hasher.verifyOrDummy(request.password(),
                                    user == null ? null : user.getString("password_hash"))
                                    .onFailure(Logins::shed).call(() -> lockouts.notChecked(phone, attempt))
                                    .flatMap(verification -> {
                                        String refusal = user == null
                                                ? "unknown-number"
                                                : !verification.matches()
                                                        ? "wrong-password"
                                                        : !"active".equals(user.getString("status"))
                                                                ? "account-" + user.getString("status")
                                                                : null;
                                        if (refusal != null) {
                                            AuditLog.Event failed = event.user(user == null ? null : user.getUUID("id"))
                                                    .with("reason", refusal).with("failures", attempt.failures());
                                            if (!attempt.lock().isZero()) {
                                                lockedNumbers.increment();
                                                failed = failed.with("lockedSeconds", attempt.lock().toSeconds());
                                            }
                                            return audit.record(failed).map(recorded -> {
                                                throw invalidCredentials();
                                            });
                                        }
                                        UUID userId = user.getUUID("id");
                                        return lockouts.succeeded(pool, phone)
                                                .call(() -> verification.needsRehash()
                                                        ? rehash(userId, request.password())
                                                        : Uni.createFrom().voidItem())
                                                .flatMap(ok -> afterPassword(userId,
                                                        AccountType.fromWire(user.getString("account_type")), phone,
                                                        request, event.user(userId), proof));
                                    });
                        }));
    }

    private Uni<Void> rehash(UUID userId, String password) {
        return hasher.hash(password).flatMap(hash -> pool.preparedQuery("UPDATE app_user SET password_hash = $2 "
                + "WHERE id = $1").execute(Tuple.of(userId, hash))).replaceWithVoid();
    }

    private Uni<Outcome> afterPassword(UUID userId, AccountType type, String phone, LoginRequest.Start request,
            AuditLog.Event event, DpopVerifier.Proof proof) {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT status, expires_at > now() AS bound, key_thumbprint "
                + "FROM device WHERE user_id = $1 AND device_id = $2").execute(Tuple.of(userId, request.deviceId()))
                .flatMap(rows -> {
                    Row device = rows.size() == 1 ? rows.iterator().next() : null;
                    if (device != null && "frozen".equals(device.getString("status"))) {
                        return Uni.createFrom().item(Decision.<Outcome>refuse(invalidCredentials()));
                    }
                    String key = device == null || !device.getBoolean("bound")
                            ? null
                            : device.getString("key_thumbprint");
                    if (key != null && proof != null && key.equals(proof.thumbprint())) {
                        return tx.preparedQuery("UPDATE device SET last_seen_at = now() WHERE user_id = $1 "
                                + "AND device_id = $2").execute(Tuple.of(userId, request.deviceId()))
                                .flatMap(seen -> sessions.start(tx, userId, type, request.deviceId(),
                                        List.of(PASSWORD, DEVICE_KEY), Instant.now(), proof.thumbprint()))
                                .call(tokens -> audit.record(tx, event.outcome(AuditLog.Outcome.SUCCESS)
                                        .with("session", tokens.sessionId().toString())))
                                .map(tokens -> Decision.accept(new Outcome(LoginRequest.SessionView.of(tokens, null),
                                        null)));
                    }
                    // The device id alone proves nothing: without a proof of the key it was bound to, this is a device
                    // like any other, and only a second factor lets it in.
                    String deviceKey = key == null ? "not-bound" : proof == null ? "no-proof" : "other-key";
                    return challenge(tx, userId, phone, request, event, proof, deviceKey).map(Decision::accept);
                }))
                .flatMap(decision -> decision.refusal() == null
                        ? Uni.createFrom().item(decision.value())
                        : audit.record(event.with("reason", "device-frozen")).map(recorded -> decision.get()));
    }

    private Uni<Outcome> challenge(SqlConnection tx, UUID userId, String phone, LoginRequest.Start request,
            AuditLog.Event event, DpopVerifier.Proof proof, String deviceKey) {
        UUID id = TimeOrderedUuid.next();
        return tx.preparedQuery("INSERT INTO login_challenge (id, user_id, device_id, device_name, expires_at, "
                + "key_thumbprint) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6) RETURNING expires_at")
                .execute(Tuple.of(id, userId, request.deviceId(), request.deviceName(),
                        (double) config.session().challengeLifetime().toSeconds(),
                        proof == null ? null : proof.thumbprint()))
                .flatMap(inserted -> totp.active(tx, userId)
                        .flatMap(hasTotp -> recoveryCodes.remaining(tx, userId).flatMap(left -> {
                            List<String> factors = new ArrayList<>(List.of("sms"));
                            if (hasTotp) {
                                factors.add("totp");
                            }
                            if (left > 0) {
                                factors.add("recovery");
                            }
                            String expiresAt = inserted.iterator().next().getOffsetDateTime("expires_at").toString();
                            // With an authenticator app the SMS is sent only on request (it costs money and is the
                            // weaker factor); without one it is the way in, so it goes at once.
                            Uni<Boolean> sms = hasTotp
                                    ? Uni.createFrom().item(false)
                                    : sendSms(tx, id, userId, phone).replaceWith(true);
                            return sms.map(sent -> new Outcome(null,
                                    new LoginRequest.ChallengeView(id.toString(), List.copyOf(factors), sent,
                                            expiresAt)));
                        })))
                .call(outcome -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.LOGIN_CHALLENGE,
                        AuditLog.Outcome.SUCCESS).user(userId).phone(phone).device(request.deviceId())
                        .address(event.address()).with("challenge", id.toString())
                        .with("factors", String.join(",", outcome.challenge().factors()))
                        .with("deviceKey", deviceKey)));
    }

    private Uni<OtpChallenges.Issued> sendSms(SqlConnection tx, UUID challengeId, UUID userId, String phone) {
        return otps.issue(tx, OtpChallenges.Purpose.LOGIN, challengeId.toString(), phone)
                .call(issued -> tx.preparedQuery("UPDATE login_challenge SET sms_challenge = $2 WHERE id = $1")
                        .execute(Tuple.of(challengeId, issued.id())))
                .call(issued -> tx.preparedQuery("SELECT locale FROM app_user WHERE id = $1").execute(Tuple.of(userId))
                        .flatMap(rows -> messages.smsCode(tx, issued, userId, phone,
                                rows.iterator().next().getString("locale"))));
    }

    /** Sends (again) the SMS code of a waiting sign-in; the per-number limits apply. */
    public Uni<LoginRequest.SmsSent> resendSms(String challengeId) {
        UUID id = parseChallenge(challengeId);
        return pool.withTransaction(tx -> open(tx, id).flatMap(challenge -> sendSms(tx, id,
                challenge.getUUID("user_id"), challenge.getString("phone_e164"))))
                .map(issued -> new LoginRequest.SmsSent(challengeId, issued.expiresAt().toString()));
    }

    /** Completes a waiting sign-in with a second factor: binds the device, alerts, and starts the session. */
    public Uni<LoginRequest.SessionView> complete(String challengeId, LoginRequest.SecondFactor factor,
            String address, DpopVerifier.Proof proof) {
        UUID id = parseChallenge(challengeId);
        if ("sms".equals(factor.method())) {
            // The SMS code has its own attempt count and single use (OtpChallenges).
            return pool.preparedQuery("SELECT sms_challenge, key_thumbprint FROM login_challenge WHERE id = $1")
                    .execute(Tuple.of(id))
                    .flatMap(rows -> {
                        if (rows.size() == 1) {
                            sameKey(rows.iterator().next(), proof);
                        }
                        UUID sms = rows.size() == 1 ? rows.iterator().next().getUUID("sms_challenge") : null;
                        if (sms == null) {
                            throw new ProblemException(400, "invalid-code", "Invalid code",
                                    "No SMS code was sent for this sign-in; ask for one first.");
                        }
                        return otps.verify(sms, OtpChallenges.Purpose.LOGIN, factor.code());
                    })
                    .flatMap(subject -> pool.withTransaction(tx -> open(tx, id)
                            .flatMap(challenge -> finish(tx, challenge, "sms", address, proof))))
                    .map(Decision::get);
        }
        return pool.preparedQuery("SELECT user_id, key_thumbprint FROM login_challenge WHERE id = $1")
                .execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw ended();
                    }
                    sameKey(rows.iterator().next(), proof);
                    UUID userId = rows.iterator().next().getUUID("user_id");
                    return throttles.secondFactor(userId);
                })
                .flatMap(allowed -> pool.withTransaction(tx -> open(tx, id).flatMap(challenge -> {
                    UUID userId = challenge.getUUID("user_id");
                    return codes.use(tx, userId, factor.method(), factor.code()).flatMap(ok -> ok
                            ? finish(tx, challenge, "totp".equals(factor.method()) ? "otp" : "rec", address, proof)
                            : wrongCode(tx, challenge, factor.method(), address));
                })))
                .map(Decision::get);
    }

    /**
     * The second factor must come with a proof of the key the sign-in started with (the device is bound to that key),
     * and without one when it started without: the key is chosen at the start, where the password was checked.
     */
    private static void sameKey(Row challenge, DpopVerifier.Proof proof) {
        String started = challenge.getString("key_thumbprint");
        if (started == null && proof != null) {
            throw DpopVerifier
                    .invalid("This sign-in started without a device key; start it again with the DPoP proof.");
        }
        if (started != null && (proof == null || !started.equals(proof.thumbprint()))) {
            throw DpopVerifier.invalid("Send the second factor with a DPoP proof of the device key the sign-in "
                    + "started with.");
        }
    }

    /** The waiting sign-in, locked; refused when it has ended or its tries are used up. */
    private Uni<Row> open(SqlConnection tx, UUID id) {
        return tx.preparedQuery("SELECT c.*, c.expires_at <= now() AS expired, u.phone_e164, u.status, u.account_type "
                + "FROM login_challenge c JOIN app_user u ON u.id = c.user_id WHERE c.id = $1 FOR UPDATE OF c")
                .execute(Tuple.of(id))
                .map(rows -> {
                    Row challenge = rows.size() == 1 ? rows.iterator().next() : null;
                    if (challenge == null || challenge.getOffsetDateTime("used_at") != null
                            || challenge.getBoolean("expired")) {
                        throw ended();
                    }
                    if (challenge.getInteger("attempts") >= config.session().challengeAttempts()) {
                        throw exhausted();
                    }
                    return challenge;
                });
    }

    private Uni<Decision<LoginRequest.SessionView>> wrongCode(SqlConnection tx, Row challenge, String method,
            String address) {
        int left = config.session().challengeAttempts() - challenge.getInteger("attempts") - 1;
        return tx.preparedQuery("UPDATE login_challenge SET attempts = attempts + 1 WHERE id = $1")
                .execute(Tuple.of(challenge.getUUID("id")))
                .call(() -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.SECOND_FACTOR, AuditLog.Outcome.FAILURE)
                        .user(challenge.getUUID("user_id")).device(challenge.getString("device_id")).address(address)
                        .with("method", method)))
                .map(counted -> Decision.refuse(left <= 0
                        ? exhausted()
                        : new ProblemException(400, "invalid-code", "Invalid code", "The code is wrong; " + left
                                + " attempt" + (left == 1 ? "" : "s") + " left.")));
    }

    private Uni<Decision<LoginRequest.SessionView>> finish(SqlConnection tx, Row challenge, String method,
            String address, DpopVerifier.Proof proof) {
        UUID userId = challenge.getUUID("user_id");
        String deviceId = challenge.getString("device_id");
        String deviceName = challenge.getString("device_name");
        if (!"active".equals(challenge.getString("status"))) {
            return Uni.createFrom().item(Decision.refuse(invalidCredentials()));
        }
        return tx.preparedQuery("UPDATE login_challenge SET used_at = now() WHERE id = $1")
                .execute(Tuple.of(challenge.getUUID("id")))
                // A second factor with a device key binds the device to that key (replacing an earlier one); without a
                // key the device is recorded, and a binding it had stays as it was.
                .flatMap(used -> tx.preparedQuery("INSERT INTO device (user_id, device_id, name, status, expires_at, "
                        + "key_thumbprint, public_key) VALUES ($1, $2, $3, 'active', "
                        + "now() + make_interval(secs => $4), $5, $6::jsonb) "
                        + "ON CONFLICT (user_id, device_id) DO UPDATE SET name = $3, bound_at = now(), "
                        + "expires_at = now() + make_interval(secs => $4), last_seen_at = now(), "
                        + "key_thumbprint = coalesce($5, device.key_thumbprint), "
                        + "public_key = coalesce($6::jsonb, device.public_key) "
                        + "WHERE device.status = 'active' RETURNING device_id")
                        .execute(Tuple.from(new Object[]{userId, deviceId, deviceName,
                                (double) config.session().deviceBinding().toSeconds(),
                                proof == null ? null : proof.thumbprint(),
                                proof == null ? null : new JsonObject(proof.publicJwk())})))
                .flatMap(bound -> {
                    if (bound.size() == 0) {
                        return Uni.createFrom().item(Decision.<LoginRequest.SessionView>refuse(invalidCredentials()));
                    }
                    AuditLog.Event event = AuditLog.Event.of(AuditLog.Type.DEVICE_BOUND, AuditLog.Outcome.SUCCESS)
                            .user(userId).phone(challenge.getString("phone_e164")).device(deviceId).address(address)
                            .with("method", method).with("deviceName", deviceName)
                            .with("deviceKey", proof == null ? "none" : proof.thumbprint());
                    return audit.record(tx, event)
                            .call(() -> messages.alert(tx, userId, "security.new_device",
                                    new JsonObject().put("deviceName", deviceName)))
                            .flatMap(alerted -> sessions.start(tx, userId,
                                    AccountType.fromWire(challenge.getString("account_type")), deviceId, proof == null
                                            ? List.of(PASSWORD, method)
                                            : List.of(PASSWORD, method, DEVICE_KEY),
                                    Instant.now(),
                                    proof == null ? null : proof.thumbprint()))
                            .call(tokens -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.LOGIN,
                                    AuditLog.Outcome.SUCCESS).user(userId).phone(challenge.getString("phone_e164"))
                                    .device(deviceId).address(address).with("method", method)
                                    .with("session", tokens.sessionId().toString())))
                            .flatMap(tokens -> "rec".equals(method)
                                    ? recoveryCodes.remaining(tx, userId)
                                            .map(left -> LoginRequest.SessionView.of(tokens, left))
                                    : Uni.createFrom().item(LoginRequest.SessionView.of(tokens, null)))
                            .map(Decision::accept);
                });
    }

    private static UUID parseChallenge(String challengeId) {
        try {
            return UUID.fromString(challengeId);
        } catch (IllegalArgumentException e) {
            throw ended();
        }
    }

    /** A refusal of the hashing pool (full): the password was not checked at all. */
    private static boolean shed(Throwable failure) {
        return failure instanceof ProblemException problem && problem.status() == 503;
    }

    /** The one answer for every refused password: nothing tells which part was wrong or whether the number exists. */
    static ProblemException invalidCredentials() {
        return new ProblemException(401, "invalid-credentials", "Sign-in failed",
                "The phone number or password is wrong.");
    }

    private static ProblemException ended() {
        return new ProblemException(400, "challenge-ended", "Sign-in ended",
                "This sign-in has ended or does not exist; sign in again.");
    }

    private ProblemException exhausted() {
        return new ProblemException(400, "code-attempts-exhausted", "Too many wrong codes",
                "Too many wrong codes for this sign-in; sign in again.");
    }
}
