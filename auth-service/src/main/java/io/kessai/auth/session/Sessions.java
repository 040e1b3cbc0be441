package io.kessai.auth.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AccountType;
import io.kessai.auth.AuthConfig;
import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.device.DpopVerifier;
import io.kessai.auth.token.AccessTokens;
import io.kessai.common.id.TimeOrderedUuid;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.SqlResult;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sign-in sessions: one refresh-token family per sign-in on a device. A refresh token is 256 random bits, stored only
 * as its SHA-256, and rotated on every use. A rotated token presented again was copied (the app never sends one
 * twice), so the whole family is revoked, which signs out the thief and the owner alike, and the reuse is audited.
 * Families also end when the user or device is frozen, at logout, after a password reset, and after
 * {@code kessai.auth.session.refresh-lifetime} from the sign-in.
 */
@ApplicationScoped
public class Sessions {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a sign-in or a refresh answers. */
    public record Tokens(String accessToken, long expiresIn, String refreshToken, long refreshExpiresIn,
            UUID sessionId) {
    }

    /**
     * A refresh token that opens nothing (unknown, rotated, revoked, expired, its user or device frozen, or presented
     * with another device key), or a request that lacked the device proof its token is bound to.
     */
    public static final class RefreshRefused extends RuntimeException {

        RefreshRefused(String reason) {
            super(reason, null, false, false);
        }

        /** The token may be fine: the request carried no proof of its key. */
        public boolean proofMissing() {
            return "proof-missing".equals(getMessage());
        }
    }

    private final Pool pool;
    private final AccessTokens accessTokens;
    private final AuditLog audit;
    private final AuthConfig config;

    Sessions(Pool pool, AccessTokens accessTokens, AuditLog audit, AuthConfig config) {
        this.pool = pool;
        this.accessTokens = accessTokens;
        this.audit = audit;
        this.config = config;
    }

    /**
     * Starts a family for a sign-in that has just proved {@code amr}, in the sign-in's transaction. Its refresh tokens
     * are bound to the device key with this thumbprint; a sign-in without a device key gets an access token and no
     * refresh token, since a refresh token bound to nothing would work for whoever copied it.
     */
    public Uni<Tokens> start(SqlConnection tx, UUID userId, AccountType type, String deviceId, List<String> amr,
            Instant authTime, String keyThumbprint) {
        UUID family = TimeOrderedUuid.next();
        return tx.preparedQuery("INSERT INTO refresh_family (id, user_id, device_id, amr, auth_time, expires_at, "
                + "key_thumbprint) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7) "
                + "RETURNING expires_at, (SELECT d.bound_at FROM device d WHERE d.user_id = $2 AND d.device_id = $3 "
                + "AND d.key_thumbprint IS NOT NULL) AS device_bound_at")
                .execute(Tuple.from(new Object[]{family, userId, deviceId, amr.toArray(String[]::new),
                        OffsetDateTime.ofInstant(authTime, ZoneOffset.UTC),
                        (double) config.session().refreshLifetime().toSeconds(), keyThumbprint}))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    Device device = new Device(deviceId, instant(row.getOffsetDateTime("device_bound_at")));
                    return keyThumbprint == null
                            ? Uni.createFrom().item(accessOnly(family, userId, type, device, amr, authTime))
                            : issue(tx, family, userId, type, device, amr, authTime,
                                    row.getOffsetDateTime("expires_at").toInstant());
                });
    }

    /**
     * Rotates a refresh token: a new access token and a new refresh token in the same family. The request's device
     * proof ({@code null} when it carried none) must be of the key the family is bound to; a token presented with
     * another key was copied off its device, so the family ends as for a reused token.
     */
    public Uni<Tokens> refresh(String refreshToken, String address, DpopVerifier.Proof proof) {
        if (refreshToken == null || refreshToken.length() > 100) {
            return Uni.createFrom().failure(new RefreshRefused("malformed"));
        }
        String hash = hash(refreshToken);
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT t.family_id, t.rotated_at, f.user_id, f.device_id, "
                + "f.amr, f.auth_time, f.expires_at, f.revoked_at, f.key_thumbprint, f.expires_at <= now() AS expired, u.status, "
                + "u.account_type, "
                + "d.status AS device_status, d.bound_at AS device_bound_at FROM refresh_token t JOIN refresh_family f ON f.id = t.family_id "
                + "JOIN app_user u ON u.id = f.user_id "
                + "LEFT JOIN device d ON d.user_id = f.user_id AND d.device_id = f.device_id "
                + "WHERE t.token_hash = $1 FOR UPDATE OF t, f").execute(Tuple.of(hash))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return refused("unknown");
                    }
                    Row row = rows.iterator().next();
                    UUID family = row.getUUID("family_id");
                    UUID userId = row.getUUID("user_id");
                    String deviceId = row.getString("device_id");
                    if (row.getOffsetDateTime("revoked_at") != null || row.getBoolean("expired")) {
                        return refused("ended");
                    }
                    if (row.getOffsetDateTime("rotated_at") != null) {
                        // Committed before the refusal is raised: the family stays revoked.
                        return revokeFamily(tx, family, "reuse")
                                .call(() -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.REFRESH_TOKEN_REUSE,
                                        AuditLog.Outcome.REFUSED).user(userId).device(deviceId).address(address)
                                        .with("family", family.toString())))
                                .replaceWith(new Outcome(null, "reuse"));
                    }
                    String bound = row.getString("key_thumbprint");
                    if (bound == null) {
                        return refused("unbound");
                    }
                    if (proof == null) {
                        return refused("proof-missing");
                    }
                    if (!bound.equals(proof.thumbprint())) {
                        return revokeFamily(tx, family, "key-mismatch")
                                .call(() -> audit.record(tx, AuditLog.Event.of(AuditLog.Type.REFRESH_TOKEN_KEY_MISMATCH,
                                        AuditLog.Outcome.REFUSED).user(userId).device(deviceId).address(address)
                                        .with("family", family.toString())))
                                .replaceWith(new Outcome(null, "key-mismatch"));
                    }
                    if (!"active".equals(row.getString("status")) || !"active".equals(row.getString("device_status"))) {
                        return refused("frozen");
                    }
                    return tx.preparedQuery("UPDATE refresh_token SET rotated_at = now() WHERE token_hash = $1")
                            .execute(Tuple.of(hash))
                            .call(() -> tx.preparedQuery("UPDATE device SET last_seen_at = now() WHERE user_id = $1 "
                                    + "AND device_id = $2").execute(Tuple.of(userId, deviceId)))
                            .flatMap(rotated -> issue(tx, family, userId,
                                    AccountType.fromWire(row.getString("account_type")),
                                    new Device(deviceId, instant(row.getOffsetDateTime("device_bound_at"))),
                                    Arrays.asList(row.getArrayOfStrings("amr")),
                                    row.getOffsetDateTime("auth_time").toInstant(),
                                    row.getOffsetDateTime("expires_at").toInstant()))
                            .map(tokens -> new Outcome(tokens, null));
                }))
                .map(outcome -> {
                    if (outcome.tokens() == null) {
                        throw new RefreshRefused(outcome.refusal());
                    }
                    return outcome.tokens();
                });
    }

    private record Outcome(Tokens tokens, String refusal) {
    }

    private static Uni<Outcome> refused(String reason) {
        return Uni.createFrom().item(new Outcome(null, reason));
    }

    /** Logout with a refresh token: its family ends. Unknown tokens are ignored (RFC 7009). */
    public Uni<Void> revokeByToken(String refreshToken, String address) {
        if (refreshToken == null || refreshToken.length() > 100) {
            return Uni.createFrom().voidItem();
        }
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE refresh_family f SET revoked_at = now(), "
                + "revoked_reason = 'logout' FROM refresh_token t WHERE t.token_hash = $1 AND f.id = t.family_id "
                + "AND f.revoked_at IS NULL RETURNING f.id, f.user_id, f.device_id")
                .execute(Tuple.of(hash(refreshToken)))
                .flatMap(rows -> rows.size() == 0
                        ? Uni.createFrom().voidItem()
                        : logoutAudited(tx, rows.iterator().next(), address)));
    }

    /** Logout with an access token: the family it was issued in ends. */
    public Uni<Void> revokeSession(UUID userId, UUID sessionId, String address) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE refresh_family SET revoked_at = now(), "
                + "revoked_reason = 'logout' WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL "
                + "RETURNING id, user_id, device_id").execute(Tuple.of(sessionId, userId))
                .flatMap(rows -> rows.size() == 0
                        ? Uni.createFrom().voidItem()
                        : logoutAudited(tx, rows.iterator().next(), address)));
    }

    private Uni<Void> logoutAudited(SqlConnection tx, Row family, String address) {
        return audit.record(tx, AuditLog.Event.of(AuditLog.Type.LOGOUT, AuditLog.Outcome.SUCCESS)
                .user(family.getUUID("user_id")).device(family.getString("device_id")).address(address)
                .with("family", family.getUUID("id").toString()));
    }

    /** Ends every family of the user (password reset, freeze); answers how many ended. */
    public Uni<Integer> revokeAll(SqlConnection tx, UUID userId, String reason) {
        return tx.preparedQuery("UPDATE refresh_family SET revoked_at = now(), revoked_reason = $2 "
                + "WHERE user_id = $1 AND revoked_at IS NULL").execute(Tuple.of(userId, reason))
                .map(SqlResult::rowCount);
    }

    /** Ends every family of one device of the user (device freeze or unbinding). */
    public Uni<Integer> revokeDevice(SqlConnection tx, UUID userId, String deviceId, String reason) {
        return tx.preparedQuery("UPDATE refresh_family SET revoked_at = now(), revoked_reason = $3 "
                + "WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL")
                .execute(Tuple.of(userId, deviceId, reason))
                .map(SqlResult::rowCount);
    }

    private static Uni<Void> revokeFamily(SqlConnection tx, UUID family, String reason) {
        return tx.preparedQuery("UPDATE refresh_family SET revoked_at = now(), revoked_reason = $2 WHERE id = $1")
                .execute(Tuple.of(family, reason)).replaceWithVoid();
    }

    /** The device a token is for: its id, and when a second factor bound it (null: not bound to a key). */
    private record Device(String id, Instant boundAt) {
    }

    private static Instant instant(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }

    private Uni<Tokens> issue(SqlConnection tx, UUID family, UUID userId, AccountType type, Device device,
            List<String> amr, Instant authTime, Instant familyExpiresAt) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String refreshToken = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return tx.preparedQuery("INSERT INTO refresh_token (token_hash, family_id) VALUES ($1, $2)")
                .execute(Tuple.of(hash(refreshToken), family))
                .map(inserted -> {
                    Tokens access = accessOnly(family, userId, type, device, amr, authTime);
                    long refreshSeconds = Math.max(0,
                            familyExpiresAt.getEpochSecond() - Instant.now().getEpochSecond());
                    return new Tokens(access.accessToken(), access.expiresIn(), refreshToken, refreshSeconds, family);
                });
    }

    private Tokens accessOnly(UUID family, UUID userId, AccountType type, Device device, List<String> amr,
            Instant authTime) {
        AccessTokens.IssuedToken access = accessTokens.issueForUser(userId, type, device.id(), device.boundAt(), family,
                amr,
                AccessTokens.ACR_SESSION, authTime, config.accessTokenLifetime());
        return new Tokens(access.value(), access.expiresInSeconds(), null, 0, family);
    }

    static String hash(String refreshToken) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(refreshToken.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
