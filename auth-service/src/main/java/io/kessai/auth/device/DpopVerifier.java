package io.kessai.auth.device;

import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.HashUtil;
import org.jose4j.lang.JoseException;

import io.kessai.common.problem.ProblemException;

/**
 * Checks DPoP proofs (RFC 9449 §4.3) and makes the nonces they must carry (§8). A proof is a JWT the device signs with
 * its P-256 key: header {@code typ=dpop+jwt}, {@code alg=ES256} and the public key as {@code jwk}; claims {@code jti},
 * {@code htm} and {@code htu} (the request's method and URL), {@code iat}, and {@code nonce}. A nonce is the second
 * it was issued and an HMAC of it, so every replica accepts every other's nonces without shared state, and a nonce
 * is the server's fresh challenge: a proof that carries one was made after it was issued. Whether a proof was seen
 * before ({@code jti}) is the database's part ({@link DeviceProofs}).
 * <p>
 * Only the path of {@code htu} is compared: behind an ingress the public origin is not the one this process sees, and
 * a proof over a nonce of this server, used once, cannot be replayed elsewhere.
 */
public final class DpopVerifier {

    /** A proof that checked out: the key's RFC 7638 thumbprint, its public JWK, and the proof's id. */
    public record Proof(String thumbprint, String publicJwk, String jti) {
    }

    /** The longest proof read; a P-256 proof is about 600 characters. */
    static final int MAX_PROOF_LENGTH = 4096;
    static final int MAX_JTI_LENGTH = 128;
    static final String INVALID = "invalid-dpop-proof";
    static final String USE_NONCE = "use-dpop-nonce";
    private static final int NONCE_MAC_BYTES = 16;

    private final byte[] nonceKey;
    private final Duration nonceLifetime;
    private final Duration clockSkew;
    private final InstantSource clock;

    public DpopVerifier(byte[] secret, Duration nonceLifetime, Duration clockSkew, InstantSource clock) {
        this.nonceKey = hmac(secret, "kessai dpop-nonce v1".getBytes(StandardCharsets.US_ASCII));
        this.nonceLifetime = nonceLifetime;
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    /** The nonce to hand out now ({@code DPoP-Nonce}). */
    public String nonce() {
        byte[] second = ByteBuffer.allocate(Long.BYTES).putLong(clock.instant().getEpochSecond()).array();
        byte[] mac = Arrays.copyOf(hmac(nonceKey, second), NONCE_MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(second.length + mac.length)
                .put(second).put(mac).array());
    }

    /** How long a proof is remembered as used: as long as its nonce could be accepted. */
    public Duration remembered() {
        return nonceLifetime.plus(clockSkew);
    }

    /**
     * Checks a proof of a request with this method to this path. Refuses with 400 {@code use-dpop-nonce} when the
     * nonce is missing, forged or too old (the answer carries a fresh one), and 400 {@code invalid-dpop-proof} for
     * anything else.
     */
    public Proof verify(String proof, String method, String path) {
        if (proof == null || proof.isBlank()) {
            throw invalid("A DPoP proof is required.");
        }
        if (proof.length() > MAX_PROOF_LENGTH) {
            throw invalid("The DPoP proof is longer than " + MAX_PROOF_LENGTH + " characters.");
        }
        // The cheap checks first, the signature last: a proof of the wrong shape, for another request or over a stale
        // nonce costs no signature check.
        JsonWebSignature jws = new JsonWebSignature();
        EllipticCurveJsonWebKey key;
        JwtClaims claims;
        try {
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                    AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256));
            jws.setCompactSerialization(proof);
            if (!"dpop+jwt".equals(jws.getHeader("typ"))) {
                throw invalid("The DPoP proof's typ must be dpop+jwt.");
            }
            if (!AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256.equals(jws.getAlgorithmHeaderValue())) {
                throw invalid("The DPoP proof's alg must be ES256.");
            }
            key = publicP256Key(jws);
            claims = JwtClaims.parse(jws.getUnverifiedPayload());
        } catch (JoseException | InvalidJwtException | ClassCastException | IllegalArgumentException e) {
            throw invalid("The DPoP proof is not a valid ES256 JWT with a P-256 jwk.");
        }
        String jti = checkClaims(claims, method, path);
        try {
            jws.setKey(key.getPublicKey());
            if (!jws.verifySignature()) {
                throw invalid("The DPoP proof's signature does not verify with its key.");
            }
        } catch (JoseException e) {
            throw invalid("The DPoP proof's signature does not verify with its key.");
        }
        return new Proof(key.calculateBase64urlEncodedThumbprint(HashUtil.SHA_256),
                key.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY), jti);
    }

    /** The {@code jwk} header: a public key on P-256, nothing else. */
    private static EllipticCurveJsonWebKey publicP256Key(JsonWebSignature jws) throws JoseException {
        Object jwk = jws.getHeaders().getObjectHeaderValue("jwk");
        if (!(jwk instanceof Map<?, ?> members) || members.containsKey("d")) {
            throw invalid("The DPoP proof's jwk must be a public key.");
        }
        @SuppressWarnings("unchecked")
        PublicJsonWebKey parsed = PublicJsonWebKey.Factory.newPublicJwk((Map<String, Object>) members);
        if (!(parsed instanceof EllipticCurveJsonWebKey ec) || !EllipticCurves.P_256.equals(ec.getCurveName())
                || !onP256(ec.getECPublicKey().getW())) {
            throw invalid("The DPoP proof's key must be an EC key on P-256.");
        }
        return ec;
    }

    /** Checks what the proof says of the request and of its time; answers its {@code jti}. */
    private String checkClaims(JwtClaims claims, String method, String path) {
        try {
            String jti = claims.getStringClaimValue("jti");
            if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
                throw invalid("The DPoP proof needs a jti of 1 to " + MAX_JTI_LENGTH + " characters.");
            }
            if (!method.equals(claims.getStringClaimValue("htm"))) {
                throw invalid("The DPoP proof's htm must be " + method + ".");
            }
            if (!path.equals(pathOf(claims.getStringClaimValue("htu")))) {
                throw invalid("The DPoP proof's htu must be this endpoint's URL.");
            }
            NumericDate iat = claims.getIssuedAt();
            Instant now = clock.instant();
            if (iat == null) {
                throw invalid("The DPoP proof needs an iat.");
            }
            Instant issued = Instant.ofEpochSecond(iat.getValue());
            if (issued.isAfter(now.plus(clockSkew)) || issued.isBefore(now.minus(remembered()))) {
                throw invalid("The DPoP proof's iat is not within " + remembered().toSeconds() + " s of now.");
            }
            checkNonce(claims.getStringClaimValue("nonce"), now);
            return jti;
        } catch (MalformedClaimException e) {
            throw invalid("A claim of the DPoP proof has the wrong type.");
        }
    }

    private void checkNonce(String nonce, Instant now) {
        byte[] decoded;
        try {
            decoded = nonce == null ? null : Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            decoded = null;
        }
        if (decoded == null || decoded.length != Long.BYTES + NONCE_MAC_BYTES) {
            throw useNonce();
        }
        byte[] second = Arrays.copyOf(decoded, Long.BYTES);
        byte[] expected = Arrays.copyOf(hmac(nonceKey, second), NONCE_MAC_BYTES);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(decoded, Long.BYTES, decoded.length))) {
            throw useNonce();
        }
        Instant issued = Instant.ofEpochSecond(ByteBuffer.wrap(second).getLong());
        if (issued.isAfter(now.plus(clockSkew)) || issued.isBefore(now.minus(nonceLifetime))) {
            throw useNonce();
        }
    }

    /**
     * Whether the point is on P-256 (y² = x³ + ax + b mod p): neither the JDK nor jose4j checks a public key's point
     * when it is made, and a key bound to a device is kept for its life.
     */
    static boolean onP256(ECPoint point) {
        ECParameterSpec spec = EllipticCurves.P256;
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger x = point.getAffineX();
        BigInteger y = point.getAffineY();
        if (x == null || y == null || x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger right = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
        return y.modPow(BigInteger.TWO, p).equals(right);
    }

    private static String pathOf(String htu) {
        if (htu == null) {
            return null;
        }
        try {
            URI uri = new URI(htu);
            return uri.isAbsolute() ? uri.getRawPath() : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** Whether a failure is the refusal of a device proof ({@code invalid-dpop-proof} or {@code use-dpop-nonce}). */
    public static boolean refusedProof(Throwable failure) {
        return failure instanceof ProblemException problem
                && (INVALID.equals(problem.code()) || USE_NONCE.equals(problem.code()));
    }

    public static ProblemException invalid(String detail) {
        return new ProblemException(400, INVALID, "Invalid DPoP proof", detail);
    }

    private static ProblemException useNonce() {
        return new ProblemException(400, USE_NONCE, "DPoP nonce required",
                "Sign the DPoP proof over the nonce in this answer's DPoP-Nonce header, and send it again.");
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
