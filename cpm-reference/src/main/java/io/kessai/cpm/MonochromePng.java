package io.kessai.cpm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import com.google.zxing.common.BitMatrix;

/**
 * Writes a ZXing {@link BitMatrix} as a PNG of one bit per pixel (greyscale, set modules black), with the JDK's
 * {@link Deflater} and {@link CRC32} alone. The services draw their codes with it instead of AWT's ImageIO, so that a
 * native executable needs neither the AWT extension nor freetype and fontconfig in its image (docs/native.md).
 *
 * <p>The file is the smallest valid PNG (RFC 2083, ISO/IEC 15948): the signature, {@code IHDR}, one {@code IDAT} of
 * scanlines with filter type 0, and {@code IEND}.
 */
public final class MonochromePng {

    /**
     * At most this many bytes of scanlines (before compression): a 2048 x 2048 image takes 0.5 MiB, so this bounds a
     * caller's mistake, not a real code.
     */
    public static final int MAX_RAW_BYTES = 16 * 1024 * 1024;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte BIT_DEPTH = 1;
    private static final byte COLOR_TYPE_GREYSCALE = 0;

    private MonochromePng() {
    }

    /** The PNG of {@code matrix}: a set bit is a black pixel, a clear one white. */
    public static byte[] of(BitMatrix matrix) {
        int width = matrix.getWidth();
        int height = matrix.getHeight();
        int rowBytes = (width + 7) / 8;
        long rawBytes = (long) (1 + rowBytes) * height;
        if (width < 1 || height < 1 || rawBytes > MAX_RAW_BYTES) {
            throw new IllegalArgumentException("cannot write a " + width + " x " + height + " PNG");
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(256 + (int) rawBytes / 8);
        png.writeBytes(SIGNATURE);
        chunk(png, "IHDR", header(width, height));
        chunk(png, "IDAT", deflate(scanlines(matrix, rowBytes)));
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] header(int width, int height) {
        byte[] header = new byte[13];
        putInt(header, 0, width);
        putInt(header, 4, height);
        header[8] = BIT_DEPTH;
        header[9] = COLOR_TYPE_GREYSCALE;
        // Bytes 10 to 12: compression 0 (deflate), filter method 0, no interlace.
        return header;
    }

    /** Each row: filter type 0 (none), then the pixels eight to a byte, first pixel in the high bit, 1 white. */
    private static byte[] scanlines(BitMatrix matrix, int rowBytes) {
        byte[] raw = new byte[(1 + rowBytes) * matrix.getHeight()];
        for (int y = 0; y < matrix.getHeight(); y++) {
            int row = y * (1 + rowBytes) + 1;
            for (int x = 0; x < matrix.getWidth(); x++) {
                if (!matrix.get(x, y)) {
                    raw[row + x / 8] |= (byte) (0x80 >>> (x % 8));
                }
            }
        }
        return raw;
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 8 + 64);
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Length, type, data, and the CRC-32 of type and data. */
    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        byte[] word = new byte[4];
        putInt(word, 0, data.length);
        png.writeBytes(word);
        png.writeBytes(typeBytes);
        png.writeBytes(data);
        putInt(word, 0, (int) crc.getValue());
        png.writeBytes(word);
    }

    private static void putInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }
}
