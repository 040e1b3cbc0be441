package io.kessai.cpm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Inflater;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.oned.Code128Writer;
import com.google.zxing.qrcode.QRCodeWriter;

/**
 * The PNG writer byte by byte (chunks, CRCs, header, scanlines), and as the JDK's ImageIO and ZXing's reader see its
 * files: the same pixels as the matrix, and codes that read back.
 */
class MonochromePngTest {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private record Chunk(String type, byte[] data) {
    }

    @Test
    void theFileIsASignatureThenIhdrIdatIendWithValidCrcs() throws Exception {
        BitMatrix matrix = qr("https://kessai.io/pay?m=0012345", 203);
        byte[] png = MonochromePng.of(matrix);

        assertArrayEquals(SIGNATURE, Arrays.copyOf(png, 8));
        List<Chunk> chunks = chunks(png);
        assertEquals(List.of("IHDR", "IDAT", "IEND"), chunks.stream().map(Chunk::type).toList());
        assertEquals(0, chunks.get(2).data().length);

        ByteBuffer header = ByteBuffer.wrap(chunks.get(0).data());
        assertEquals(13, header.remaining());
        assertEquals(matrix.getWidth(), header.getInt());
        assertEquals(matrix.getHeight(), header.getInt());
        assertEquals(1, header.get(), "bit depth");
        assertEquals(0, header.get(), "colour type: greyscale");
        assertEquals(0, header.get(), "compression: deflate");
        assertEquals(0, header.get(), "filter method");
        assertEquals(0, header.get(), "interlace: none");
    }

    @Test
    void eachScanlineIsFilterNoneThenEightPixelsAByteWithWhiteAsOne() throws Exception {
        // 11 x 2, so a row has a partial last byte: row 0 is black, white, black, ...; row 1 all white.
        BitMatrix matrix = new BitMatrix(11, 2);
        for (int x = 0; x < 11; x += 2) {
            matrix.set(x, 0);
        }
        byte[] raw = inflate(chunks(MonochromePng.of(matrix)).get(1).data());

        assertArrayEquals(new byte[]{0, 0b0101_0101, 0b0100_0000, 0, (byte) 0xff, (byte) 0b1110_0000}, raw);
    }

    @Test
    void imageIoReadsTheSamePixelsAsTheMatrix() throws Exception {
        BitMatrix matrix = qr("28123456780769385559", 117);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(MonochromePng.of(matrix)));

        assertEquals(matrix.getWidth(), image.getWidth());
        assertEquals(matrix.getHeight(), image.getHeight());
        for (int y = 0; y < matrix.getHeight(); y++) {
            for (int x = 0; x < matrix.getWidth(); x++) {
                assertEquals(matrix.get(x, y) ? 0x000000 : 0xffffff, image.getRGB(x, y) & 0xffffff, x + "," + y);
            }
        }
    }

    @Test
    void aQrCodeAndACode128BarcodeReadBack() throws Exception {
        String text = "otpauth://totp/Kessai:+81901234567?secret=JBSWY3DPEHPK3PXP&issuer=Kessai";
        assertEquals(text, read(MonochromePng.of(qr(text, 256)), BarcodeFormat.QR_CODE));

        String code = "28123456780769385559";
        BitMatrix barcode = new Code128Writer().encode(code, BarcodeFormat.CODE_128, 400, 120,
                Map.of(EncodeHintType.MARGIN, 10));
        assertEquals(code, read(MonochromePng.of(barcode), BarcodeFormat.CODE_128));
    }

    @Test
    void anImageBeyondTheLimitIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MonochromePng.of(new BitMatrix(8 * 4096, 4097)));
    }

    private static BitMatrix qr(String text, int sizePixels) throws Exception {
        return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, sizePixels, sizePixels,
                Map.of(EncodeHintType.MARGIN, 4));
    }

    private static String read(byte[] png, BarcodeFormat format) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        var result = new MultiFormatReader().decode(
                new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image))),
                Map.of(DecodeHintType.POSSIBLE_FORMATS, List.of(format)));
        assertEquals(format, result.getBarcodeFormat());
        return result.getText();
    }

    /** The chunks after the signature, each CRC checked; the file must end with the last one. */
    private static List<Chunk> chunks(byte[] png) {
        ByteBuffer file = ByteBuffer.wrap(png, SIGNATURE.length, png.length - SIGNATURE.length);
        List<Chunk> chunks = new ArrayList<>();
        while (file.hasRemaining()) {
            int length = file.getInt();
            byte[] type = new byte[4];
            file.get(type);
            byte[] data = new byte[length];
            file.get(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            String name = new String(type, StandardCharsets.US_ASCII);
            assertEquals(crc.getValue(), file.getInt() & 0xffffffffL, "CRC of " + name);
            chunks.add(new Chunk(name, data));
        }
        return chunks;
    }

    private static byte[] inflate(byte[] compressed) throws Exception {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            while (!inflater.finished()) {
                out.write(buffer, 0, inflater.inflate(buffer));
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }
}
