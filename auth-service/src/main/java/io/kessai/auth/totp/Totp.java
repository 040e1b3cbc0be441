package io.kessai.auth.totp;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

import javax.crypto.spec.SecretKeySpec;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.zxing.EncodeHintType;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

import io.kessai.common.qr.QrPng;

/**
 * Authenticator-app codes (RFC 6238) as every standard app computes them: HMAC-SHA-1, 30-second steps, 6 digits. A
 * code is accepted in the current step or one step either side (clock drift), and only in a step later than the last
 * one accepted for that secret, so a code is never accepted twice.
 */
public final class Totp {

    public static final Duration STEP = Duration.ofSeconds(30);
    public static final int DIGITS = 6;
    /** Steps accepted either side of the current one. */
    static final int WINDOW = 1;
    private static final int SECRET_BYTES = 20;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final TimeBasedOneTimePasswordGenerator SIX_DIGITS = new TimeBasedOneTimePasswordGenerator(STEP,
            DIGITS, TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1);

    private Totp() {
    }

    /** A new 160-bit secret, the size RFC 4226 recommends for HMAC-SHA-1. */
    public static byte[] newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /** The step a moment falls in (seconds since the epoch divided by 30). */
    public static long stepOf(Instant moment) {
        return moment.getEpochSecond() / STEP.toSeconds();
    }

    /**
     * The step whose code matches {@code code}, within the window around {@code now} and after
     * {@code lastAcceptedStep} (use -1 when none was accepted yet); empty when the code is wrong, stale or replayed.
     * The caller stores the step it gets back as the new last accepted step.
     */
    public static OptionalLong acceptedStep(byte[] secret, String code, Instant now, long lastAcceptedStep) {
        if (code == null || !code.matches("\\d{" + DIGITS + "}")) {
            return OptionalLong.empty();
        }
        long current = stepOf(now);
        for (long step = current - WINDOW; step <= current + WINDOW; step++) {
            if (step > lastAcceptedStep && code.equals(codeAt(secret, step))) {
                return OptionalLong.of(step);
            }
        }
        return OptionalLong.empty();
    }

    /** The code of one step. */
    public static String codeAt(byte[] secret, long step) {
        try {
            return SIX_DIGITS.generateOneTimePasswordString(new SecretKeySpec(secret, "HmacSHA1"),
                    Instant.ofEpochSecond(step * STEP.toSeconds()), Locale.ROOT);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Key URI authenticator apps read from a QR code (Google Authenticator's format). */
    public static String otpauthUri(byte[] secret, String issuer, String account) {
        String label = encode(issuer) + ":" + encode(account);
        return "otpauth://totp/" + label + "?secret=" + Base32.encode(secret) + "&issuer=" + encode(issuer)
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP.toSeconds();
    }

    /** The URI as a QR code PNG for the enrollment screen. */
    public static byte[] qrPng(String uri, int sizePixels) {
        return QrPng.of(uri, sizePixels,
                Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 2));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
