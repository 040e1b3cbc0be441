package io.kessai.wallet.account;

/** Who an account belongs to: a customer (user id), a merchant (merchant id) or Kessai itself (a system code). */
public enum AccountKind {

    CUSTOMER, MERCHANT, SYSTEM;

    public String wire() {
        return name().toLowerCase();
    }

    public static AccountKind fromWire(String wire) {
        return valueOf(wire.toUpperCase());
    }
}
