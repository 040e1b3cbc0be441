package io.kessai.payment.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.ReaderException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

class QrImageTest {

    private static final MpmCodec CODEC = new MpmCodec(Payloads.GUID);

    @Test
    void aStoreCodeImageReadsBackAsItsExactPayload() throws Exception {
        String payload = CODEC.encode(MpmCode.forStore("store-4", "5812", "KESSAI CAFE", "TOKYO", null));

        assertEquals(payload, read(QrImage.png(payload, 300)));
    }

    @Test
    void aJapaneseOrderCodeImageReadsBackAsItsExactPayload() throws Exception {
        String payload = CODEC.encode(MpmCode.forOrder("store-4", "5812", "𠮷野家 カフェ・ケッサイ", "東京", 1200,
                "order-1001", "till-2"));

        assertEquals(payload, read(QrImage.png(payload, 300)));
    }

    @Test
    void theSpecificationSampleImageReadsBackAsItsExactPayload() throws Exception {
        assertEquals(Payloads.SPEC_SAMPLE, read(QrImage.png(Payloads.SPEC_SAMPLE, 400)));
    }

    @Test
    void theCodeHasAWhiteQuietZone() throws IOException {
        BufferedImage image = image(QrImage.png(Payloads.LEADING_ZERO_CRC, 300));

        assertEquals(0xFFFFFF, image.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, image.getRGB(image.getWidth() - 1, image.getHeight() - 1) & 0xFFFFFF);
        assertEquals(300, image.getWidth());
    }

    @Test
    void anImageSizeOutsideTheLimitsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> QrImage.png(Payloads.LEADING_ZERO_CRC, 63));
        assertThrows(IllegalArgumentException.class, () -> QrImage.png(Payloads.LEADING_ZERO_CRC, 2049));
    }

    private static BufferedImage image(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static String read(byte[] png) throws IOException, ReaderException {
        // A rendered code, not a photo: told so (and to try hard), the reader finds every code (as in auth's FactorTest).
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image(
                png)))), Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE, DecodeHintType.TRY_HARDER, Boolean.TRUE))
                .getText();
    }
}
