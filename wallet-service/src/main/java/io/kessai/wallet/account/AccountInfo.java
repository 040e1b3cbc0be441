package io.kessai.wallet.account;

import java.util.UUID;

/** The parts of an account that never change after it is opened, so they can be cached by every replica. */
public record AccountInfo(UUID id, AccountKind kind, String ownerId, String currency, boolean mayGoNegative,
        int subAccounts) {
}
