package io.kessai.wallet.ledger;

import java.util.Arrays;
import java.util.Optional;

/** Why money moved. Refunds and reversals return money, so they may reach a frozen account and exceed the cap. */
public enum TransferKind {

    TOPUP, PAYMENT, REFUND, P2P, REVERSAL, ADJUSTMENT;

    public String wire() {
        return name().toLowerCase();
    }

    public boolean returnsMoney() {
        return this == REFUND || this == REVERSAL;
    }

    public static Optional<TransferKind> fromWire(String wire) {
        return Arrays.stream(values()).filter(kind -> kind.wire().equals(wire)).findFirst();
    }
}
