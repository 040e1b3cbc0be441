package io.kessai.payment.qr;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The link that opens a payload in the Kessai app, for a customer who has the code on the same phone and cannot scan
 * it: a configured prefix (e.g. {@code kessai://pay?qr=}) followed by the payload, percent-encoded.
 */
public final class PayDeeplink {

    public static final String DEFAULT_PREFIX = "kessai://pay?qr=";

    private final String prefix;

    /** @param prefix scheme, path and query up to the payload, e.g. {@value #DEFAULT_PREFIX} */
    public PayDeeplink(String prefix) {
        if (prefix == null || !PayloadText.isVisibleAscii(prefix) || !prefix.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            throw new IllegalArgumentException("a deeplink prefix starts with a URI scheme and has no spaces");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /**
     * The link to a payload. Spaces become {@code %20}, not {@code +}: an app reading the query as a URI, not as a
     * form, would otherwise see a merchant name with plus signs and a CRC that no longer matches.
     */
    public String link(String payload) {
        return prefix + URLEncoder.encode(payload, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
