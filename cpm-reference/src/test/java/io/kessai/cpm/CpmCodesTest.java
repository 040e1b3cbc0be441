package io.kessai.cpm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;

/** The derivation against its published test vectors, each also computed here from javax.crypto alone. */
class CpmCodesTest {

    /** The key of vectors 1 to 3: bytes 0x00, 0x01, ..., 0x1f. */
    private static final byte[] COUNTING_KEY = counting();
    /** The key of vectors 4 and 5: 32 bytes 0xa5. */
    private static final byte[] A5_KEY = filled((byte) 0xa5);
    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void testVectorsAreTheDocumentedCodes() {
        long newYear = CpmCodes.timeStep(Instant.parse("2026-01-01T00:00:00Z"), STEP);
        assertEquals(58_907_520L, newYear);
        assertEquals("28123456780016859642", CpmCodes.code(COUNTING_KEY, 12_345_678, newYear, 0));
        assertEquals("28123456780769385559", CpmCodes.code(COUNTING_KEY, 12_345_678, newYear, 7));
        assertEquals("28123456780771767645", CpmCodes.code(COUNTING_KEY, 12_345_678, newYear + 1, 7));
        long december = CpmCodes.timeStep(Instant.parse("2026-12-03T07:15:29Z"), STEP);
        assertEquals(59_876_070L, december);
        assertEquals("28409600019941318295", CpmCodes.code(A5_KEY, 40_960_001, december, 99));
        assertEquals("28000000000013723696", CpmCodes.code(A5_KEY, 0, december, 0));
    }

    @Test
    void theReferenceAgreesWithAnIndependentHmacOverManyInputs() throws Exception {
        for (int i = 0; i < 500; i++) {
            int reference = (int) ((i * 7_919_993L) % (CpmCodes.DEVICE_REFERENCE_MAX + 1));
            long step = 58_907_520L + i * 13L;
            int counter = i % 100;
            byte[] key = filled((byte) i);
            assertEquals(independent(key, reference, step, counter), CpmCodes.code(key, reference, step, counter));
        }
    }

    @Test
    void theTimeStepIsUnixSecondsOverTheStepRoundedDown() {
        assertEquals(0, CpmCodes.timeStep(Instant.EPOCH.plusSeconds(29), STEP));
        assertEquals(1, CpmCodes.timeStep(Instant.EPOCH.plusSeconds(30), STEP));
        assertEquals(-1, CpmCodes.timeStep(Instant.EPOCH.minusSeconds(1), STEP));
    }

    @Test
    void aCodeParsesIntoItsPartsAndMatchesOnlyItsKeyAndStep() {
        String code = CpmCodes.code(COUNTING_KEY, 12_345_678, 58_907_520L, 7);
        CpmCode parsed = CpmCodes.parse(code);
        assertEquals(new CpmCode(12_345_678, 7, "69385559"), parsed);
        assertTrue(CpmCodes.matches(COUNTING_KEY, parsed, 58_907_520L));
        assertFalse(CpmCodes.matches(COUNTING_KEY, parsed, 58_907_521L));
        assertFalse(CpmCodes.matches(A5_KEY, parsed, 58_907_520L));
    }

    @Test
    void malformedCodesAreRefusedWithTheirReason() {
        assertEquals("a code has exactly 20 digits", assertThrows(MalformedCpmCode.class,
                () -> CpmCodes.parse("2812345678076938555")).getMessage());
        assertEquals("a code has exactly 20 digits", assertThrows(MalformedCpmCode.class,
                () -> CpmCodes.parse(null)).getMessage());
        assertEquals("a code has digits only", assertThrows(MalformedCpmCode.class,
                () -> CpmCodes.parse("2812345678076938555x")).getMessage());
        assertEquals("a code has digits only", assertThrows(MalformedCpmCode.class,
                () -> CpmCodes.parse("2812345678076938555５")).getMessage());
        assertEquals("a Kessai code starts with 28", assertThrows(MalformedCpmCode.class,
                () -> CpmCodes.parse("27123456780769385559")).getMessage());
    }

    @Test
    void theShowerCountsOnWithEveryCodeAndWrapsAtAHundred() {
        CodeShower shower = new CodeShower(COUNTING_KEY, 12_345_678, STEP, 98);
        Instant at = Instant.parse("2026-01-01T00:00:10Z");
        String first = shower.next(at);
        String second = shower.next(at);
        assertEquals(98, CpmCodes.parse(first).counter());
        assertEquals(99, CpmCodes.parse(second).counter());
        assertEquals(0, shower.nextCounter());
        assertNotEquals(first, second);
        assertEquals(CpmCodes.code(COUNTING_KEY, 12_345_678, 58_907_520L, 98), first);
    }

    @Test
    void theBarcodeAndTheQrCodeReadBackAsTheCode() throws Exception {
        String code = CpmCodes.code(COUNTING_KEY, 12_345_678, 58_907_520L, 7);
        assertEquals(code, read(CodeImages.code128Png(code, 400, 120)).getText());
        assertEquals(com.google.zxing.BarcodeFormat.CODE_128, read(CodeImages.code128Png(code, 400, 120))
                .getBarcodeFormat());
        assertEquals(code, read(CodeImages.qrPng(code, 240)).getText());
        assertThrows(MalformedCpmCode.class, () -> CodeImages.qrPng("not a code", 240));
        assertEquals("2812 3456 7807 6938 5559", CpmCodes.grouped(code));
    }

    /** RFC 4226 truncation of HMAC-SHA256 over the documented 13 bytes, written out without the reference. */
    private static String independent(byte[] key, int reference, long step, int counter) throws Exception {
        byte[] message = new byte[13];
        for (int i = 0; i < 4; i++) {
            message[i] = (byte) (reference >>> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++) {
            message[4 + i] = (byte) (step >>> (56 - 8 * i));
        }
        message[12] = (byte) counter;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] hash = mac.doFinal(message);
        int offset = hash[31] & 0xf;
        long value = ((hash[offset] & 0x7fL) << 24) | ((hash[offset + 1] & 0xffL) << 16)
                | ((hash[offset + 2] & 0xffL) << 8) | (hash[offset + 3] & 0xffL);
        String otp = Long.toString(value % 100_000_000L);
        String ref = Integer.toString(reference);
        String count = Integer.toString(counter);
        return "28" + "0".repeat(8 - ref.length()) + ref + "0".repeat(2 - count.length()) + count
                + "0".repeat(8 - otp.length()) + otp;
    }

    private static Result read(byte[] png) throws IOException, NotFoundException {
        var image = ImageIO.read(new ByteArrayInputStream(png));
        return new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(
                new BufferedImageLuminanceSource(image))));
    }

    private static byte[] counting() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        return key;
    }

    private static byte[] filled(byte value) {
        byte[] key = new byte[32];
        Arrays.fill(key, value);
        return key;
    }
}
