package io.kessai.auth.token;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwk.RsaJsonWebKey;

import io.kessai.auth.AuthConfig;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;

/** Issues signed JWT access tokens in the shape every Kessai resource server validates. */
@ApplicationScoped
public class AccessTokens {

    private final AuthConfig config;
    private final SigningKeys keys;

    AccessTokens(AuthConfig config, SigningKeys keys) {
        this.config = config;
        this.keys = keys;
    }

    public IssuedToken issue(String subject, Set<String> groups) {
        // One read: the signing key can change between two calls (rotation), and kid and signature must match.
        RsaJsonWebKey key = keys.current();
        Instant now = Instant.now();
        Instant expiresAt = now.plus(config.accessTokenLifetime());
        String token = Jwt.issuer(config.issuer())
                .audience(config.audience())
                .subject(subject)
                .groups(groups)
                .issuedAt(now)
                .expiresAt(expiresAt)
                .claim("jti", UUID.randomUUID().toString())
                .jws()
                .keyId(key.getKeyId())
                .algorithm(SignatureAlgorithm.RS256)
                .sign(key.getRsaPrivateKey());
        return new IssuedToken(token, config.accessTokenLifetime().toSeconds());
    }

    public record IssuedToken(String value, long expiresInSeconds) {
    }
}
