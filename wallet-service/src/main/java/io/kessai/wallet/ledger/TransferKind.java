package io.kessai.wallet.ledger;

import java.util.Arrays;
import java.util.Optional;

import io.kessai.common.security.Scopes;

/**
 * Why money moved. Refunds and reversals return money, so they may reach a frozen account and exceed the cap. Each
 * kind needs a scope of its own, so a client posts only the kinds its flows post (only the funding flow tops up).
 */
public enum TransferKind {

    TOPUP(Scopes.WALLET_TRANSFERS_TOPUP), PAYMENT(Scopes.WALLET_TRANSFERS_PAYMENT), REFUND(
            Scopes.WALLET_TRANSFERS_REFUND), P2P(Scopes.WALLET_TRANSFERS_P2P), FEE(Scopes.WALLET_TRANSFERS_FEE), PAYOUT(
                    Scopes.WALLET_TRANSFERS_PAYOUT), REVERSAL(
                            Scopes.WALLET_TRANSFERS_REVERSE), ADJUSTMENT(Scopes.WALLET_TRANSFERS_ADJUSTMENT);

    private final String scope;

    TransferKind(String scope) {
        this.scope = scope;
    }

    /** The scope a caller needs to post (or capture into) a transfer of this kind. */
    public String scope() {
        return scope;
    }

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
