package io.kessai.payment.cpm;

/**
 * The answer to issuing a payment key, the only answer that carries its secret: what the app stores (in its secure
 * element or keystore) to derive codes offline (cpm-reference).
 *
 * @param secret the 32-byte key, base64url without padding
 * @param deviceReference the 8 digits every code of this key carries
 * @param stepSeconds the time step codes are derived for
 * @param windowSeconds how long a code is accepted from the start of its step
 */
public record PaymentKeyIssued(PaymentKeyView key, String secret, String deviceReference, String schemePrefix,
        long stepSeconds, long windowSeconds) {
}
