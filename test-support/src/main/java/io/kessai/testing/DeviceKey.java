package io.kessai.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

/**
 * The reference client of device keys: exactly what a Kessai app sends, in plain Java with nothing but the JDK, so an
 * app team can hold its own code against it (docs/security.md, "Devices prove possession").
 * <ol>
 * <li>At first start the app makes a P-256 key pair and keeps the private key where it cannot leave the device (the
 * Secure Enclave, Android Keystore, or a non-extractable WebCrypto key).</li>
 * <li>Every {@code POST /v1/sessions}, {@code POST /v1/sessions/challenges/{id}} and refresh-token request to
 * {@code POST /oauth2/token} carries a header {@code DPoP} with a new proof ({@link #proof}): a JWT with header
 * {@code {"typ":"dpop+jwt","alg":"ES256","jwk":<the public key>}} and claims {@code jti} (new per proof), {@code htm}
 * (the method), {@code htu} (the URL, without query), {@code iat} (now) and {@code nonce}, signed with ES256 (the
 * 64-byte R‖S signature of RFC 7518, not DER).</li>
 * <li>{@code nonce} is the latest {@code DPoP-Nonce} header any of those answers carried. Without one, or with one
 * that has aged out (5 minutes), the answer is 400 {@code use-dpop-nonce} (at the token endpoint
 * {@code {"error":"use_dpop_nonce"}}) with a fresh nonce in {@code DPoP-Nonce}: sign a new proof over it and send the
 * request again, once.</li>
 * </ol>
 * The first sign-in on a device passes a second factor and binds the device to this key; later sign-ins from it need
 * the password and a proof of the key, and its refresh tokens work only with proofs of it.
 */
public final class DeviceKey {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final KeyPair pair;
    /** The public key as a JWK with exactly the members RFC 7638 hashes, in its order. */
    private final String publicJwk;
    private volatile String nonce;

    private DeviceKey(KeyPair pair) {
        this.pair = pair;
        ECPublicKey key = (ECPublicKey) pair.getPublic();
        this.publicJwk = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + coordinate(key.getW().getAffineX())
                + "\",\"y\":\"" + coordinate(key.getW().getAffineY()) + "\"}";
    }

    /** A new key, as an app makes it once per installation. */
    public static DeviceKey generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return new DeviceKey(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A proof for one request, over the latest nonce seen ({@link #sawNonce}); a new {@code jti} every time. */
    public String proof(String method, String url) {
        return proof(method, url, nonce, UUID.randomUUID().toString(), Instant.now());
    }

    /** A proof with every part given: for tests that send wrong ones. */
    public String proof(String method, String url, String nonce, String jti, Instant issuedAt) {
        String header = "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + publicJwk + "}";
        String claims = "{\"jti\":\"" + jti + "\",\"htm\":\"" + method + "\",\"htu\":\"" + url + "\",\"iat\":"
                + issuedAt.getEpochSecond() + (nonce == null ? "" : ",\"nonce\":\"" + nonce + "\"") + "}";
        return signed(header, claims);
    }

    /** Signs any header and claims with this key (ES256): for tests that send proofs of the wrong shape. */
    public String signed(String header, String claims) {
        String input = base64url(header) + "." + base64url(claims);
        try {
            Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
            signer.initSign(pair.getPrivate());
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + BASE64URL.encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps the nonce of an answer's {@code DPoP-Nonce} header ({@code null}, as when the header is absent, is ignored). */
    public DeviceKey sawNonce(String dpopNonce) {
        if (dpopNonce != null) {
            this.nonce = dpopNonce;
        }
        return this;
    }

    public String nonce() {
        return nonce;
    }

    public String publicJwk() {
        return publicJwk;
    }

    /** The key's RFC 7638 SHA-256 thumbprint, base64url: what the server binds the device and its tokens to. */
    public String thumbprint() {
        try {
            return BASE64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(publicJwk.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64url(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A coordinate as RFC 7518 §6.2.1.2 wants it: 32 bytes big-endian, unsigned, left-padded. */
    private static String coordinate(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] fixed = new byte[32];
        int from = Math.max(0, bytes.length - 32);
        System.arraycopy(bytes, from, fixed, 32 - (bytes.length - from), bytes.length - from);
        return BASE64URL.encodeToString(Arrays.copyOf(fixed, 32));
    }
}
