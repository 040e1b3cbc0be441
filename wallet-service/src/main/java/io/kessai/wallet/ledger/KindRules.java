package io.kessai.wallet.ledger;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.kessai.wallet.account.AccountInfo;
import io.kessai.wallet.account.AccountKind;

/**
 * Which accounts each kind of transfer moves money between, so that a kind's scope means what it says. System accounts
 * may go negative, so debiting one creates money: only a top-up may debit one, and only funding clearing, where money
 * enters the ledger. A payment goes from a customer to a merchant or the fees account, a refund from a merchant back
 * to a customer, a P2P transfer between customers, a fee from a merchant to the fees account, a payout from a merchant
 * to payout clearing (whence the money leaves for the merchant's bank; a failed payout is reversed back). An adjustment (a correction, a scope no client holds by default)
 * and a reversal (the mirror of a transfer the caller posted) may touch any account.
 */
final class KindRules {

    static final String FUNDING_CLEARING = "funding-clearing";
    static final String FEES = "fees";
    static final String PAYOUT_CLEARING = "payout-clearing";

    private KindRules() {
    }

    /** Throws {@code kind-mismatch} for the first leg that debits or credits an account its kind may not. */
    static void check(TransferKind kind, List<Posting.Leg> legs, Map<UUID, AccountInfo> accounts) {
        for (int i = 0; i < legs.size(); i++) {
            AccountInfo from = accounts.get(legs.get(i).from());
            AccountInfo to = accounts.get(legs.get(i).to());
            if (!debits(kind, from)) {
                throw LedgerProblem.KIND_MISMATCH.exception(what(kind) + "; leg " + i + " debits " + describe(from)
                        + ".", "legs[" + i + "].from");
            }
            if (!credits(kind, to)) {
                throw LedgerProblem.KIND_MISMATCH.exception(what(kind) + "; leg " + i + " credits " + describe(to)
                        + ".", "legs[" + i + "].to");
            }
        }
    }

    private static boolean debits(TransferKind kind, AccountInfo account) {
        return switch (kind) {
            case TOPUP -> isSystem(account, FUNDING_CLEARING);
            case PAYMENT, P2P -> account.kind() == AccountKind.CUSTOMER;
            case REFUND, FEE, PAYOUT -> account.kind() == AccountKind.MERCHANT;
            case ADJUSTMENT, REVERSAL -> true;
        };
    }

    private static boolean credits(TransferKind kind, AccountInfo account) {
        return switch (kind) {
            case TOPUP, REFUND, P2P -> account.kind() == AccountKind.CUSTOMER;
            case PAYMENT -> account.kind() == AccountKind.MERCHANT || isSystem(account, FEES);
            case FEE -> isSystem(account, FEES);
            case PAYOUT -> isSystem(account, PAYOUT_CLEARING);
            case ADJUSTMENT, REVERSAL -> true;
        };
    }

    private static String what(TransferKind kind) {
        return switch (kind) {
            case TOPUP -> "A topup moves money from funding clearing to a customer wallet";
            case PAYMENT -> "A payment moves money from a customer wallet to a merchant or the fees account";
            case REFUND -> "A refund moves money from a merchant back to a customer wallet";
            case P2P -> "A p2p transfer moves money between customer wallets";
            case FEE -> "A fee moves money from a merchant to the fees account";
            case PAYOUT -> "A payout moves money from a merchant to payout clearing";
            case ADJUSTMENT, REVERSAL -> "Any account";
        };
    }

    private static boolean isSystem(AccountInfo account, String code) {
        return account.kind() == AccountKind.SYSTEM && code.equals(account.ownerId());
    }

    private static String describe(AccountInfo account) {
        return account.kind() == AccountKind.SYSTEM
                ? "the system account " + account.ownerId()
                : "a " + account.kind().wire() + " account";
    }
}
