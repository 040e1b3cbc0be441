package io.kessai.payment.qr;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

import javax.imageio.ImageIO;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

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
        try {
            BitMatrix matrix = new QRCodeWriter().encode(payload, BarcodeFormat.QR_CODE, sizePixels, sizePixels, hints);
            BufferedImage image = new BufferedImage(matrix.getWidth(), matrix.getHeight(),
                    BufferedImage.TYPE_BYTE_BINARY);
            for (int y = 0; y < matrix.getHeight(); y++) {
                for (int x = 0; x < matrix.getWidth(); x++) {
                    image.setRGB(x, y, matrix.get(x, y) ? 0x000000 : 0xFFFFFF);
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(image, "png", png);
            return png.toByteArray();
        } catch (WriterException | IOException e) {
            throw new IllegalStateException("cannot draw the QR code", e);
        }
    }
}
