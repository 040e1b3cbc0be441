package io.kessai.common.qr;

import java.util.Map;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;

import io.kessai.cpm.MonochromePng;

/**
 * Draws text as a QR code PNG with ZXing, black modules on white, for every service that shows one (auth-service's
 * authenticator enrolment, payment-service's merchant codes). cpm-reference's {@link MonochromePng} writes the file,
 * without AWT. A service using it depends on {@code com.google.zxing:core} and {@code kessai-cpm-reference} itself:
 * common declares both optional, so services without QR codes do not carry them.
 */
public final class QrPng {

    private QrPng() {
    }

    /** The PNG of {@code text}, about {@code sizePixels} square, encoded with {@code hints} (error correction, margin). */
    public static byte[] of(String text, int sizePixels, Map<EncodeHintType, ?> hints) {
        try {
            BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, sizePixels, sizePixels, hints);
            return MonochromePng.of(matrix);
        } catch (WriterException e) {
            throw new IllegalStateException("cannot draw the QR code", e);
        }
    }
}
