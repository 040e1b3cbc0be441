package io.kessai.cpm;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The derivation of customer-presented one-time payment codes from a device's payment key, the one the app runs
 * offline and payment-service runs to check a code: 20 decimal digits,
 *
 * <pre>
 * "28" | device reference (8 digits) | counter (2 digits) | OTP (8 digits)
 * OTP = truncate(HMAC-SHA256(key, deviceReference as 4 bytes big-endian || time step as 8 bytes big-endian
 *                                  || counter as 1 byte)) mod 10^8
 * </pre>
 *
 * where the time step is the Unix time in seconds divided by the step length (30 s, floor) and {@code truncate} is
 * RFC 4226's dynamic truncation (offset = low 4 bits of the last byte; 31 bits big-endian from there). The counter is
 * what the app adds one to (mod 100) for every code it shows, so two codes shown in one time step differ and are
 * ordered. docs/payments.md ("Customer-presented codes (CPM)") has the same byte by byte, with test vectors.
 */
public final class CpmCodes {

    /** The scheme prefix every Kessai CPM code starts with (a till's scanner routes on it). */
    public static final String SCHEME_PREFIX = "28";
    /** Digits in a code. */
    public static final int LENGTH = 20;
    /** Digits of the device reference. */
    public static final int DEVICE_REFERENCE_DIGITS = 8;
    /** The largest device reference (8 digits). */
    public static final int DEVICE_REFERENCE_MAX = 99_999_999;
    /** How many counter values there are: the counter is mod 100. */
    public static final int COUNTERS = 100;
    /** Digits of the one-time part. */
    public static final int OTP_DIGITS = 8;
    /** Bytes of a payment key. */
    public static final int KEY_BYTES = 32;
    /** The time step the reference uses, and payment-service by default. */
    public static final Duration DEFAULT_STEP = Duration.ofSeconds(30);

    private static final String HMAC = "HmacSHA256";
    private static final int OTP_MODULUS = 100_000_000;

    private CpmCodes() {
    }

    /** The time step of {@code at}: Unix seconds divided by the step length, rounded down. */
    public static long timeStep(Instant at, Duration step) {
        long seconds = step.toSeconds();
        if (seconds <= 0) {
            throw new IllegalArgumentException("the step must be at least 1 s");
        }
        return Math.floorDiv(at.getEpochSecond(), seconds);
    }

    /** The code a key shows for {@code counter} in {@code timeStep}. */
    public static String code(byte[] key, int deviceReference, long timeStep, int counter) {
        return SCHEME_PREFIX + String.format("%08d%02d", deviceReference, counter)
                + otp(key, deviceReference, timeStep, counter);
    }

    /** The 8-digit one-time part, zero-padded. */
    public static String otp(byte[] key, int deviceReference, long timeStep, int counter) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a payment key has " + KEY_BYTES + " bytes");
        }
        if (deviceReference < 0 || deviceReference > DEVICE_REFERENCE_MAX) {
            throw new IllegalArgumentException("the device reference has 8 digits");
        }
        if (counter < 0 || counter >= COUNTERS) {
            throw new IllegalArgumentException("the counter is 0 to 99");
        }
        byte[] message = ByteBuffer.allocate(13).putInt(deviceReference).putLong(timeStep).put((byte) counter)
                .array();
        byte[] hash;
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            hash = mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int truncated = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        return String.format("%08d", truncated % OTP_MODULUS);
    }

    /**
     * Reads a code's parts, checking only its form (20 digits, the scheme prefix); whether its one-time part is right
     * is {@link #matches}.
     *
     * @throws MalformedCpmCode when it is not a Kessai CPM code
     */
    public static CpmCode parse(String code) {
        if (code == null || code.length() != LENGTH) {
            throw new MalformedCpmCode("a code has exactly " + LENGTH + " digits");
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') {
                throw new MalformedCpmCode("a code has digits only");
            }
        }
        if (!code.startsWith(SCHEME_PREFIX)) {
            throw new MalformedCpmCode("a Kessai code starts with " + SCHEME_PREFIX);
        }
        int reference = Integer.parseInt(code.substring(2, 10));
        int counter = Integer.parseInt(code.substring(10, 12));
        return new CpmCode(reference, counter, code.substring(12));
    }

    /** Whether {@code code}'s one-time part is the one {@code key} gives for it in {@code timeStep} (constant time). */
    public static boolean matches(byte[] key, CpmCode code, long timeStep) {
        byte[] expected = otp(key, code.deviceReference(), timeStep, code.counter()).getBytes();
        return MessageDigest.isEqual(expected, code.otp().getBytes());
    }

    /** A code as shown under its barcode for a person to read out: groups of four digits. */
    public static String grouped(String code) {
        StringBuilder text = new StringBuilder(code.length() + code.length() / 4);
        for (int i = 0; i < code.length(); i++) {
            if (i > 0 && i % 4 == 0) {
                text.append(' ');
            }
            text.append(code.charAt(i));
        }
        return text.toString();
    }
}
