package io.kessai.wallet.account;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An account as the API shows it. {@code balance} is the ledger balance (the sum of its entries); {@code available}
 * is what can be spent now, the balance less active holds.
 */
public record AccountView(UUID id, String kind, String ownerId, String currency, String status, String statusReason,
        int subAccounts, Money balance, Money held, Money available, OffsetDateTime createdAt) {

    /** An amount in integer minor units with its currency. */
    public record Money(long amount, String currency) {
    }
}
