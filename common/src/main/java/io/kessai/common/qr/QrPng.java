package io.kessai.common.qr;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

import javax.imageio.ImageIO;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;

/**
 * Draws text as a QR code PNG with ZXing, black modules on white, for every service that shows one (auth-service's
 * authenticator enrolment, payment-service's merchant codes). A service using it depends on {@code com.google.zxing:core}
 * itself: common declares it optional, so services without QR codes do not carry it.
 */
public final class QrPng {

    private QrPng() {
    }

    /** The PNG of {@code text}, about {@code sizePixels} square, encoded with {@code hints} (error correction, margin). */
    public static byte[] of(String text, int sizePixels, Map<EncodeHintType, ?> hints) {
        try {
            BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, sizePixels, sizePixels, hints);
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
