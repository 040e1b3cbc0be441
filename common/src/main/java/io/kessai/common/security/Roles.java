package io.kessai.common.security;

/** The roles carried in a token's {@code groups} claim (docs/architecture.md, "Authentication"). */
public final class Roles {

    public static final String CUSTOMER = "customer";
    public static final String MERCHANT = "merchant";
    public static final String OPS = "ops";
    public static final String SERVICE = "service";

    private Roles() {
    }
}
