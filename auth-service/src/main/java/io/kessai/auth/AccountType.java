package io.kessai.auth;

import io.kessai.common.security.Roles;

/**
 * What an account is for, chosen at registration: a customer pays from a wallet; a merchant owner runs merchants and
 * their tills and has no wallet. Both sign in by the same rules; the type decides only the role of the account's
 * session tokens and whether confirming the registration opens a wallet.
 */
public enum AccountType {

    CUSTOMER("customer", Roles.CUSTOMER), MERCHANT("merchant", Roles.MERCHANT);

    /** What {@code accountType} in a registration may be. */
    public static final String WIRE_PATTERN = "customer|merchant";

    private final String wire;
    private final String role;

    AccountType(String wire, String role) {
        this.wire = wire;
        this.role = role;
    }

    /** The name in requests and in {@code app_user.account_type}. */
    public String wire() {
        return wire;
    }

    /** The role ({@code groups}) of the account's session tokens. */
    public String role() {
        return role;
    }

    /** The type stored as {@code wire}; a value the database check lets through is always one of these. */
    public static AccountType fromWire(String wire) {
        for (AccountType type : values()) {
            if (type.wire.equals(wire)) {
                return type;
            }
        }
        throw new IllegalArgumentException("no account type '" + wire + "'");
    }
}
