package io.kessai.auth.till;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Till secrets: 256 random bits, shown once, kept as their SHA-256 digest and compared in constant time. A fast
 * unkeyed hash is enough here, unlike for passwords (Argon2id) or six-digit codes (keyed HMAC): nobody can guess or
 * tabulate a 256-bit random value, so a leaked digest gives nothing, while a slow hash would make each till token
 * (every few minutes per till) cost what a password check costs and turn the token endpoint into a CPU target. It is
 * the digest service-client secrets are kept as too ({@link io.kessai.auth.oidc.ServiceClients}).
 */
public final class TillSecrets {

    /** Compared against when the till is unknown, so that both answers take the same time. */
    private static final byte[] UNKNOWN_TILL_DIGEST = new byte[32];

    private static final SecureRandom RANDOM = new SecureRandom();

    private TillSecrets() {
    }

    /** A new secret: 32 random bytes, base64url without padding (43 characters). */
    public static String generate() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code secret} is the one {@code expected} is the digest of; {@code expected} null for no till. */
    public static boolean matches(byte[] expected, String secret) {
        boolean matches = MessageDigest.isEqual(expected == null ? UNKNOWN_TILL_DIGEST : expected,
                digest(secret == null ? "" : secret));
        return expected != null && matches;
    }
}
