package io.kessai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

/**
 * The benchmark users' device keys (P-256) and the DPoP proofs (RFC 9449) their sign-ins carry, made with jose4j, the
 * library auth-service checks them with; and a timing of one proof made and checked in this process, as Argon2id is
 * timed, so that the report shows what a device proof adds to a sign-in.
 */
final class DeviceKeys {

    /** Median microseconds to make one proof and to check one (parse, key, ES256 signature, claims). */
    record Timing(int proofs, double signMicros, double verifyMicros) {
    }

    private final EllipticCurveJsonWebKey[] keys;

    private DeviceKeys(EllipticCurveJsonWebKey[] keys) {
        this.keys = keys;
    }

    static DeviceKeys generate(int count) {
        EllipticCurveJsonWebKey[] keys = new EllipticCurveJsonWebKey[count];
        for (int i = 0; i < count; i++) {
            keys[i] = newKey();
        }
        return new DeviceKeys(keys);
    }

    /** User {@code n}'s key's RFC 7638 thumbprint: what its device is bound to. */
    String thumbprint(int n) {
        return thumbprint(keys[n]);
    }

    /** User {@code n}'s public key as a JWK. */
    String publicJwk(int n) {
        return keys[n].toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** A proof for one {@code POST} to {@code url} by user {@code n}'s device, over {@code nonce}. */
    String proof(int n, URI url, String nonce) {
        return proof(keys[n], url.toString(), nonce);
    }

    /** A nonce from auth-service: any answer of {@code /v1/sessions} carries one, a refused empty body included. */
    static String fetchNonce(HttpClient http, URI sessions) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sessions).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return answer.headers().firstValue("DPoP-Nonce").orElseThrow(() -> new BenchmarkException(
                "auth-service's answer carried no DPoP-Nonce: " + answer.statusCode() + " " + answer.body()));
    }

    /** Makes and checks {@code count} proofs one after another, after a warm-up. */
    static Timing time(int count, long warmupMillis) {
        EllipticCurveJsonWebKey key = newKey();
        String url = "https://auth.kessai.example/v1/sessions";
        long until = System.nanoTime() + warmupMillis * 1_000_000;
        while (System.nanoTime() < until) {
            verify(proof(key, url, "warm-up"));
        }
        long[] sign = new long[count];
        long[] verify = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            String proof = proof(key, url, "nonce");
            long signed = System.nanoTime();
            verify(proof);
            sign[i] = signed - start;
            verify[i] = System.nanoTime() - signed;
        }
        return new Timing(count, median(sign) / 1_000.0, median(verify) / 1_000.0);
    }

    /** What auth-service checks of a proof, in the same library calls (device/DpopVerifier). */
    private static void verify(String proof) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                    AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256));
            jws.setCompactSerialization(proof);
            PublicJsonWebKey jwk = jws.getHeaders().getPublicJwkHeaderValue("jwk", null);
            jws.setKey(jwk.getPublicKey());
            if (!jws.verifySignature()) {
                throw new BenchmarkException("a proof made here did not verify");
            }
            JwtClaims.parse(jws.getPayload()).getIssuedAt();
            thumbprint(jwk);
        } catch (Exception e) {
            throw new BenchmarkException("checking a proof failed: " + e);
        }
    }

    private static String proof(EllipticCurveJsonWebKey key, String url, String nonce) {
        JwtClaims claims = new JwtClaims();
        claims.setStringClaim("jti", UUID.randomUUID().toString());
        claims.setStringClaim("htm", "POST");
        claims.setStringClaim("htu", url);
        claims.setIssuedAt(org.jose4j.jwt.NumericDate.fromSeconds(Instant.now().getEpochSecond()));
        claims.setStringClaim("nonce", nonce);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setHeader("typ", "dpop+jwt");
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setJwkHeader(key);
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new BenchmarkException("signing a device proof failed: " + e);
        }
    }

    private static EllipticCurveJsonWebKey newKey() {
        try {
            return EcJwkGenerator.generateJwk(EllipticCurves.P256);
        } catch (JoseException e) {
            throw new BenchmarkException("making a P-256 key failed: " + e);
        }
    }

    private static String thumbprint(PublicJsonWebKey key) {
        return key.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
