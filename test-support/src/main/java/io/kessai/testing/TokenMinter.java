package io.kessai.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Signs access tokens shaped like auth-service's, for tests, and forges the bad ones a resource server must refuse:
 * a foreign key, {@code alg: none}, an expired token, a wrong issuer or audience, another algorithm, an issue time in
 * the future.
 * A service client's token carries role {@code service} and its scopes in {@code scope}, space-separated, as
 * auth-service issues it.
 */
public final class TokenMinter {

    public static final String AUDIENCE = "kessai";
    public static final String SERVICE_ROLE = "service";

    private final RsaJsonWebKey key;
    private final String issuer;

    public TokenMinter(RsaJsonWebKey key, String issuer) {
        this.key = key;
        this.issuer = issuer;
    }

    /** A minter using a signing key written by auth-service (a JWK file with its private part). */
    public static TokenMinter fromJwkFile(Path file, String issuer) throws IOException, JoseException {
        return new TokenMinter((RsaJsonWebKey) JsonWebKey.Factory.newJwk(Files.readString(file)), issuer);
    }

    public static RsaJsonWebKey newKey(String keyId) {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(keyId);
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public RsaJsonWebKey key() {
        return key;
    }

    public String issuer() {
        return issuer;
    }

    /** A valid token for {@code subject} with the given roles and no scopes, living five minutes. */
    public String token(String subject, String... groups) {
        return sign(claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups), key);
    }

    /** A service client's token as auth-service issues it: role {@code service} and exactly these scopes. */
    public String serviceToken(String clientId, Collection<String> scopes) {
        return scopedToken(clientId, scopes, SERVICE_ROLE);
    }

    /** A valid token with these scopes and roles, for the tokens auth-service would never issue. */
    public String scopedToken(String subject, Collection<String> scopes, String... groups) {
        JwtClaims claims = claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups);
        if (!scopes.isEmpty()) {
            claims.setStringClaim("scope", String.join(" ", new TreeSet<>(scopes)));
        }
        return sign(claims, key);
    }

    /**
     * A person's token as auth-service issues it for a sign-in or a step-up: {@code sid}, {@code did}, {@code amr},
     * {@code acr} and {@code auth_time} besides the usual claims.
     */
    public String userToken(String subject, String acr, Instant authTime, String... groups) {
        JwtClaims claims = claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups);
        claims.setStringClaim("sid", UUID.randomUUID().toString());
        claims.setStringClaim("did", "device-" + subject);
        claims.setStringListClaim("amr", List.of("pwd", "otp", "pop"));
        claims.setStringClaim("acr", acr);
        claims.setClaim("auth_time", authTime.getEpochSecond());
        return sign(claims, key);
    }

    /**
     * A customer's session on a device a second factor bound at {@code deviceBoundAt} (null: a sign-in that bound no
     * device), as auth-service issues it; {@code stepUp} makes it a step-up token ({@code acr=step-up}, a fresh
     * {@code auth_time}).
     */
    public String customerToken(String subject, String deviceId, Instant deviceBoundAt, boolean stepUp) {
        JwtClaims claims = claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), "customer");
        claims.setStringClaim("sid", UUID.randomUUID().toString());
        claims.setStringClaim("did", deviceId);
        claims.setStringListClaim("amr", stepUp ? List.of("sms") : List.of("pwd", "pop"));
        claims.setStringClaim("acr", stepUp ? "step-up" : "aal2");
        claims.setClaim("auth_time", Instant.now().getEpochSecond());
        if (deviceBoundAt != null) {
            claims.setClaim("device_bound_at", deviceBoundAt.getEpochSecond());
        }
        return sign(claims, key);
    }

    /**
     * A till's token as auth-service issues it to a till credential: role {@code merchant}, {@code sub} the till,
     * and the merchant, store and terminal it acts for (io.kessai.common.security.TillClaims).
     */
    public String tillToken(String tillId, String merchantId, String storeId, String terminalId) {
        JwtClaims claims = claims(tillId, issuer, Instant.now(), Duration.ofMinutes(5), "merchant");
        claims.setStringClaim("merchant_id", merchantId);
        claims.setStringClaim("store_id", storeId);
        claims.setStringClaim("terminal_id", terminalId);
        return sign(claims, key);
    }

    /** A valid token that expires after {@code lifetime}. */
    public String tokenValidFor(Duration lifetime, String subject, String... groups) {
        return sign(claims(subject, issuer, Instant.now(), lifetime, groups), key);
    }

    /**
     * A valid token, issued now, whose {@code exp} is exactly {@code expiresAt}: for tests that wait for a token to
     * expire. JWT times are whole seconds, so {@code expiresAt} must be one (a fraction would be cut off silently and
     * the token would expire earlier than asked).
     */
    public String tokenExpiringAt(Instant expiresAt, String subject, String... groups) {
        if (expiresAt.getNano() != 0) {
            throw new IllegalArgumentException("JWT times are whole seconds: " + expiresAt);
        }
        Instant issuedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return sign(claims(subject, issuer, issuedAt, Duration.between(issuedAt, expiresAt), groups), key);
    }

    public String expiredToken(String subject, String... groups) {
        return sign(claims(subject, issuer, Instant.now().minus(Duration.ofMinutes(30)), Duration.ofMinutes(5), groups),
                key);
    }

    public String tokenFromIssuer(String otherIssuer, String subject, String... groups) {
        return sign(claims(subject, otherIssuer, Instant.now(), Duration.ofMinutes(5), groups), key);
    }

    /** Signed by the issuer's key, but for another audience ({@code aud}) than the resource servers require. */
    public String tokenForAudience(String audience, String subject, String... groups) {
        JwtClaims claims = claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups);
        claims.setAudience(audience);
        return sign(claims, key);
    }

    /** Same key id and claims, signed by a key the issuer never published. */
    public String tokenSignedByStranger(String subject, String... groups) {
        RsaJsonWebKey stranger = newKey(key.getKeyId());
        return sign(claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups), stranger);
    }

    /** An unsecured JWT ({@code alg: none}) carrying otherwise valid claims. */
    public String unsignedToken(String subject, String... groups) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups).toJson());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
            jws.setAlgorithmConstraints(org.jose4j.jwa.AlgorithmConstraints.NO_CONSTRAINTS);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Valid claims signed by the published key, but with another algorithm ({@code RS512}, {@code PS256}, ...): a
     * resource server must accept RS256 only, as auth-service signs.
     */
    public String tokenSignedWithAlgorithm(String algorithm, String subject, String... groups) {
        return signWithAlgorithm(claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups), algorithm);
    }

    /** A token issued at {@code issuedAt} (in the future, for the forgery) and valid five minutes from then. */
    public String tokenIssuedAt(Instant issuedAt, String subject, String... groups) {
        return sign(claims(subject, issuer, issuedAt, Duration.ofMinutes(5), groups), key);
    }

    /** A token issued now, living five minutes, that claims to be valid only from {@code notBefore}. */
    public String tokenNotBefore(Instant notBefore, String subject, String... groups) {
        JwtClaims claims = claims(subject, issuer, Instant.now(), Duration.ofMinutes(5), groups);
        claims.setNotBefore(NumericDate.fromSeconds(notBefore.getEpochSecond()));
        return sign(claims, key);
    }

    private String signWithAlgorithm(JwtClaims claims, String algorithm) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key.getPrivateKey());
            jws.setKeyIdHeaderValue(key.getKeyId());
            jws.setAlgorithmHeaderValue(algorithm);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtClaims claims(String subject, String issuer, Instant issuedAt, Duration lifetime,
            String... groups) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(AUDIENCE);
        claims.setSubject(subject);
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.plus(lifetime).getEpochSecond()));
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setStringListClaim("groups", List.of(groups));
        return claims;
    }

    private static String sign(JwtClaims claims, RsaJsonWebKey key) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key.getPrivateKey());
            jws.setKeyIdHeaderValue(key.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
