package io.kessai.payment.qr;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

import com.google.zxing.EncodeHintType;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

import io.kessai.common.qr.QrPng;

/**
 * Draws a payload as a QR code PNG to print at the till or show on the merchant's screen: error correction M (15% of
 * the code may be smudged or covered) and the 4-module quiet zone the QR standard asks for around it.
 */
public final class QrImage {

    public static final int MIN_SIZE_PIXELS = 64;
    public static final int MAX_SIZE_PIXELS = 2048;
    public static final int QUIET_ZONE_MODULES = 4;

    private QrImage() {
    }

    /**
     * The PNG of a payload, about {@code sizePixels} square (more when the code needs more to draw each module at one
     * pixel at least).
     */
    public static byte[] png(String payload, int sizePixels) {
        if (sizePixels < MIN_SIZE_PIXELS || sizePixels > MAX_SIZE_PIXELS) {
            throw new IllegalArgumentException("a QR image is " + MIN_SIZE_PIXELS + " to " + MAX_SIZE_PIXELS
                    + " pixels, not " + sizePixels);
        }
        Map<EncodeHintType, Object> hints = new EnumMap<>(EncodeHintType.class);
        hints.put(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M);
        hints.put(EncodeHintType.MARGIN, QUIET_ZONE_MODULES);
        // A name in Japanese needs UTF-8, which the code then announces (an ECI header). An ASCII payload is left in
        // the default encoding, the same bytes without the header, which every reader understands.
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(payload)) {
            hints.put(EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name());
        }
        return QrPng.of(payload, sizePixels, hints);
    }
}
