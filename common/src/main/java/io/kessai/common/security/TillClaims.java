package io.kessai.common.security;

/**
 * The claims of a till's access token. A till is a machine at a store: auth-service issues it a client-credentials
 * token with role {@code merchant} ({@code sub} is the till credential's id) and these claims, taken from what
 * payment-service told auth-service the merchant holds, never from the request. A merchant owner's session token has
 * role {@code merchant} too but none of these claims, which is how payment-service tells the two apart.
 */
public final class TillClaims {

    /** The merchant the till takes payments for. */
    public static final String MERCHANT_ID = "merchant_id";
    /** The store the till stands in; a till acts only for its own store. */
    public static final String STORE_ID = "store_id";
    /** The merchant's own name for the terminal (EMVCo tag 62, sub-tag 07): 1–25 of {@code A–Z a–z 0–9 _ -}. */
    public static final String TERMINAL_ID = "terminal_id";
    /** What a terminal id may be. */
    public static final String TERMINAL_ID_PATTERN = "[A-Za-z0-9_-]{1,25}";

    private TillClaims() {
    }
}
