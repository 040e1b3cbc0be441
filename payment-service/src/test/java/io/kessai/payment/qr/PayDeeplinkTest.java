package io.kessai.payment.qr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class PayDeeplinkTest {

    private static final PayDeeplink APP = new PayDeeplink(PayDeeplink.DEFAULT_PREFIX);

    @Test
    void aLinkIsThePrefixAndThePercentEncodedPayload() {
        String link = APP.link(Payloads.LEADING_ZERO_CRC);

        assertEquals("kessai://pay?qr=00020101021126240009io.kessai0107store-45204581253033925802JP5911KESSAI%20CAFE"
                + "6005TOKYO63040B49", link);
    }

    @Test
    void theLinkGivesBackTheExactPayloadToAUriReader() {
        String link = APP.link(Payloads.SPEC_SAMPLE);

        assertFalse(link.contains("+"), link);
        assertFalse(link.contains(" "), link);
        String query = URI.create(link).getQuery();
        assertEquals(Payloads.SPEC_SAMPLE, query.substring("qr=".length()));
        assertEquals(Payloads.SPEC_SAMPLE, URLDecoder.decode(link.substring(APP.prefix().length()),
                StandardCharsets.UTF_8));
    }

    @Test
    void thePrefixIsAParameter() {
        PayDeeplink web = new PayDeeplink("https://pay.kessai.io/qr#");

        assertTrue(web.link(Payloads.LEADING_ZERO_CRC).startsWith("https://pay.kessai.io/qr#000201"));
    }

    @Test
    void aPrefixWithoutASchemeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PayDeeplink("pay?qr="));
        assertThrows(IllegalArgumentException.class, () -> new PayDeeplink("kessai://pay now?qr="));
        assertThrows(IllegalArgumentException.class, () -> new PayDeeplink(null));
    }
}
