package io.kessai.auth.token;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwk.RsaJsonWebKey;

import io.kessai.auth.AccountType;
import io.kessai.auth.AuthConfig;
import io.kessai.common.security.Roles;
import io.kessai.common.security.TillClaims;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * Issues signed JWT access tokens in the shape every Kessai resource server validates: service tokens (client
 * credentials), till tokens and customer tokens, which also say which device ({@code did}) and sign-in ({@code sid}) they belong
 * to, how the user proved who they are ({@code amr}), at what level ({@code acr}) and when ({@code auth_time}).
 */
@ApplicationScoped
public class AccessTokens {

    public static final String DEVICE_ID = "did";
    public static final String SESSION_ID = "sid";
    public static final String AMR = "amr";
    public static final String ACR = "acr";
    public static final String AUTH_TIME = "auth_time";
    /**
     * When the token's device was bound to the account by a second factor (epoch seconds), so that payment-service's
     * risk engine can treat a device bound minutes ago differently without asking; absent when the sign-in bound no
     * device (no device key).
     */
    public static final String DEVICE_BOUND_AT = "device_bound_at";
    public static final String SCOPE = "scope";
    /** A session signed in with a password and a second factor (now, or when its device was bound). */
    public static final String ACR_SESSION = "aal2";
    /** A short-lived token whose second factor was just presented again, for risky actions. */
    public static final String ACR_STEP_UP = "step-up";

    private final AuthConfig config;
    private final SigningKeys keys;
    private final Set<UUID> operators;

    AccessTokens(AuthConfig config, SigningKeys keys) {
        this.config = config;
        this.keys = keys;
        this.operators = operators(config.operators().orElse(Set.of()));
    }

    /** The configured operators; a value that is no user id stops the start. */
    static Set<UUID> operators(Set<String> configured) {
        Set<UUID> ids = new java.util.HashSet<>();
        for (String id : configured) {
            try {
                ids.add(UUID.fromString(id.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("kessai.auth.operators: '" + id + "' is not a user id");
            }
        }
        return Set.copyOf(ids);
    }

    /**
     * A service client's token (client-credentials grant). Its scopes go into {@code scope}, space-separated (RFC
     * 8693 §4.2), left out when there are none.
     */
    public IssuedToken issue(String subject, Set<String> groups, SortedSet<String> scopes) {
        JwtClaimsBuilder claims = Jwt.subject(subject).groups(groups);
        if (!scopes.isEmpty()) {
            claims.claim(SCOPE, String.join(" ", scopes));
        }
        return sign(claims, config.accessTokenLifetime());
    }

    /**
     * A till's token (client-credentials grant of a till credential): role {@code merchant}, {@code sub} the till, and
     * the merchant, store and terminal it acts for, as auth-service holds them ({@link TillClaims}). No {@code sid}:
     * it is no person's sign-in, which is how the user endpoints refuse it.
     */
    public IssuedToken issueForTill(UUID tillId, UUID merchantId, UUID storeId, String terminalId) {
        return sign(Jwt.subject(tillId.toString()).groups(Set.of(Roles.MERCHANT))
                .claim(TillClaims.MERCHANT_ID, merchantId.toString())
                .claim(TillClaims.STORE_ID, storeId.toString())
                .claim(TillClaims.TERMINAL_ID, terminalId), config.accessTokenLifetime());
    }

    /**
     * A user's token for one sign-in on one device, with the role of the account's type ({@code customer}, or
     * {@code merchant} for a merchant owner); an operator's also carries role {@code ops}, whatever the type.
     */
    public IssuedToken issueForUser(UUID userId, AccountType type, String deviceId, Instant deviceBoundAt,
            UUID sessionId, List<String> amr, String acr, Instant authTime, Duration lifetime) {
        Set<String> groups = operators.contains(userId) ? Set.of(type.role(), Roles.OPS) : Set.of(type.role());
        JwtClaimsBuilder claims = Jwt.subject(userId.toString()).groups(groups)
                .claim(DEVICE_ID, deviceId)
                .claim(SESSION_ID, sessionId.toString())
                .claim(AMR, amr)
                .claim(ACR, acr)
                .claim(AUTH_TIME, authTime.getEpochSecond());
        if (deviceBoundAt != null) {
            claims.claim(DEVICE_BOUND_AT, deviceBoundAt.getEpochSecond());
        }
        return sign(claims, lifetime);
    }

    private IssuedToken sign(JwtClaimsBuilder claims, Duration lifetime) {
        Instant now = Instant.now();
        // One read of the signing key, so that the kid and the signature always name the same key across a rotation.
        RsaJsonWebKey key = keys.current();
        String token = claims.issuer(config.issuer())
                .audience(config.audience())
                .issuedAt(now)
                .expiresAt(now.plus(lifetime))
                .claim("jti", UUID.randomUUID().toString())
                .jws()
                .keyId(key.getKeyId())
                .algorithm(SignatureAlgorithm.RS256)
                .sign(key.getRsaPrivateKey());
        return new IssuedToken(token, lifetime.toSeconds());
    }

    public record IssuedToken(String value, long expiresInSeconds) {
    }
}
