package io.kessai.payment.qr;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The checksum of an MPM payload (tag 63): CRC-16/CCITT-FALSE, that is polynomial 0x1021, initial value 0xFFFF, no
 * reflection and no final xor, over the UTF-8 bytes of the payload up to and including "6304".
 */
public final class Crc16 {

    private static final int POLYNOMIAL = 0x1021;
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();

    private Crc16() {
    }

    /** The CRC of some bytes, 0 to 0xFFFF. */
    public static int of(byte[] bytes) {
        int crc = 0xFFFF;
        for (byte b : bytes) {
            crc ^= (b & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
            }
            crc &= 0xFFFF;
        }
        return crc;
    }

    /**
     * The value of tag 63 for a payload written up to and including "6304": four upper-case hex digits, with leading
     * zeros (0x0A3F is "0A3F"), since the tag's length is always 04.
     */
    public static String of(String payloadUpToCrcValue) {
        return UPPER_HEX.toHexDigits((short) of(payloadUpToCrcValue.getBytes(StandardCharsets.UTF_8)));
    }
}
