package io.kessai.auth.totp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.OptionalLong;

import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

class TotpTest {

    /** RFC 6238 appendix B's SHA-1 seed. */
    private static final byte[] RFC_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    /** RFC 6238 appendix B, SHA-1 rows: the 8-digit values, and the 6-digit codes apps show (their last 6 digits). */
    @ParameterizedTest
    @CsvSource({"59, 94287082", "1111111109, 07081804", "1111111111, 14050471", "1234567890, 89005924",
            "2000000000, 69279037", "20000000000, 65353130"})
    void codesMatchTheRfc6238TestVectors(long time, String eightDigits) throws Exception {
        TimeBasedOneTimePasswordGenerator rfc = new TimeBasedOneTimePasswordGenerator(Totp.STEP, 8,
                TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1);
        assertEquals(eightDigits, rfc.generateOneTimePasswordString(new SecretKeySpec(RFC_SEED, "HmacSHA1"),
                Instant.ofEpochSecond(time), java.util.Locale.ROOT));
        assertEquals(eightDigits.substring(2), Totp.codeAt(RFC_SEED, Totp.stepOf(Instant.ofEpochSecond(time))));
    }

    @Test
    void aCodeIsAcceptedOneStepEitherSideButNotTwo() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);
        long step = Totp.stepOf(now);
        assertEquals(OptionalLong.of(step), Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step), now, -1));
        assertEquals(OptionalLong.of(step - 1),
                Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step - 1), now, -1));
        assertEquals(OptionalLong.of(step + 1),
                Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step + 1), now, -1));
        assertTrue(Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step - 2), now, -1).isEmpty());
        assertTrue(Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step + 2), now, -1).isEmpty());
    }

    @Test
    void aCodeIsNeverAcceptedTwiceNorAnOlderOneAfterANewer() {
        Instant now = Instant.ofEpochSecond(1_700_000_000L);
        long step = Totp.stepOf(now);
        String code = Totp.codeAt(RFC_SEED, step);
        long accepted = Totp.acceptedStep(RFC_SEED, code, now, -1).orElseThrow();
        assertTrue(Totp.acceptedStep(RFC_SEED, code, now, accepted).isEmpty(), "replayed");
        assertTrue(Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step - 1), now, accepted).isEmpty(), "older");
        assertEquals(OptionalLong.of(step + 1), Totp.acceptedStep(RFC_SEED, Totp.codeAt(RFC_SEED, step + 1),
                now.plusSeconds(30), accepted));
    }

    @Test
    void malformedCodesAreNeverAccepted() {
        Instant now = Instant.now();
        for (String code : new String[]{null, "", "12345", "1234567", "abcdef", " 12345"}) {
            assertTrue(Totp.acceptedStep(RFC_SEED, code, now, -1).isEmpty(), String.valueOf(code));
        }
    }

    @Test
    void theKeyUriIsWhatAuthenticatorAppsReadAndTheQrCodeCarriesIt() throws Exception {
        byte[] secret = Totp.newSecret();
        assertEquals(20, secret.length);
        String uri = Totp.otpauthUri(RFC_SEED, "Kessai", "+819012345678");
        assertEquals("otpauth://totp/Kessai:%2B819012345678?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kessai"
                + "&algorithm=SHA1&digits=6&period=30", uri);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Totp.qrPng(uri, 256)));
        String decoded = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(
                new BufferedImageLuminanceSource(image)))).getText();
        assertEquals(uri, decoded);
    }
}
