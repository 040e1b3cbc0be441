package io.kessai.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Distinct service access tokens signed ahead of a measurement with auth-service's own signing key (read from the
 * stack's key folder), in the shape auth-service issues them: RS256, the signing key's kid, iss, aud, sub, groups,
 * iat, exp and a fresh jti. Signing them through auth-service would measure auth-service too; signing them during the
 * measurement would take the CPU the resource server is measured on.
 */
final class MintedTokens {

    private MintedTokens() {
    }

    /**
     * Signs {@code count} tokens for {@code subject} with the key that signed {@code sample} (a token auth-service
     * issued), valid for {@code lifetime}, on all cores.
     */
    static List<String> mint(Path keyFolder, String sample, String issuer, String audience, String subject,
            List<String> groups, Duration lifetime, int count) throws Exception {
        RsaJsonWebKey key = signingKey(keyFolder, sample);
        int threads = Runtime.getRuntime().availableProcessors();
        Instant issuedAt = Instant.now();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<String>>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = count / threads + (t < count % threads ? 1 : 0);
                parts.add(pool.submit(() -> {
                    List<String> tokens = new ArrayList<>(share);
                    for (int i = 0; i < share; i++) {
                        tokens.add(sign(key, issuer, audience, subject, groups, issuedAt, lifetime));
                    }
                    return tokens;
                }));
            }
            List<String> tokens = new ArrayList<>(count);
            for (Future<List<String>> part : parts) {
                tokens.addAll(part.get());
            }
            return List.copyOf(tokens);
        }
    }

    /** The JWK file {@code <kid>.jwk.json} of the key that signed {@code token}. */
    private static RsaJsonWebKey signingKey(Path keyFolder, String token) throws IOException, JoseException {
        String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                StandardCharsets.UTF_8);
        String keyId = Json.field(header, "kid");
        Path file = keyFolder.resolve(keyId + ".jwk.json");
        if (!Files.isRegularFile(file)) {
            throw new BenchmarkException("auth-service signed with key " + keyId + " but " + file + " is missing");
        }
        RsaJsonWebKey key = (RsaJsonWebKey) JsonWebKey.Factory.newJwk(Files.readString(file));
        if (key.getPrivateKey() == null) {
            throw new BenchmarkException(file + " has no private part");
        }
        return key;
    }

    private static String sign(RsaJsonWebKey key, String issuer, String audience, String subject,
            List<String> groups, Instant issuedAt, Duration lifetime) throws JoseException {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(audience);
        claims.setSubject(subject);
        claims.setStringListClaim("groups", groups);
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.plus(lifetime).getEpochSecond()));
        claims.setJwtId(UUID.randomUUID().toString());
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }
}
