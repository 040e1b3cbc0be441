package io.kessai.cpm;

import java.util.Map;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.oned.Code128Writer;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

/**
 * Draws a code as the app shows it: a Code 128 barcode (laser scanners at older tills; 20 digits go in code set C,
 * two digits a symbol) and a QR code (camera tills), both PNG, black on white, with the quiet zones scanners need.
 * {@link MonochromePng} writes the files, without AWT.
 */
public final class CodeImages {

    private static final int QUIET_ZONE_MODULES = 10;

    private CodeImages() {
    }

    /** The Code 128 barcode of {@code code}, at least {@code widthPixels} wide and {@code heightPixels} high. */
    public static byte[] code128Png(String code, int widthPixels, int heightPixels) {
        CpmCodes.parse(code);
        BitMatrix matrix = new Code128Writer().encode(code, BarcodeFormat.CODE_128, widthPixels, heightPixels,
                Map.of(EncodeHintType.MARGIN, QUIET_ZONE_MODULES));
        return MonochromePng.of(matrix);
    }

    /** The QR code of {@code code}, about {@code sizePixels} square (error correction M, a 4-module quiet zone). */
    public static byte[] qrPng(String code, int sizePixels) {
        CpmCodes.parse(code);
        try {
            BitMatrix matrix = new QRCodeWriter().encode(code, BarcodeFormat.QR_CODE, sizePixels, sizePixels,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
            return MonochromePng.of(matrix);
        } catch (WriterException e) {
            throw new IllegalStateException("cannot draw the QR code", e);
        }
    }
}
