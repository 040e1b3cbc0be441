package io.kessai.wallet.ledger;

import io.kessai.common.problem.ProblemType;

/**
 * The ledger's refusals, one problem type each, in the order they are checked: a request is judged by the first rule
 * it breaks, so the same request always gets the same answer. Every refusal changes nothing.
 */
public final class LedgerProblem {

    public static final ProblemType INVALID_AMOUNT = new ProblemType(400, "invalid-amount", "Invalid amount");
    public static final ProblemType MISSING_IDEMPOTENCY_KEY = ProblemType.MISSING_IDEMPOTENCY_KEY;
    public static final ProblemType IDEMPOTENCY_KEY_REUSED = ProblemType.IDEMPOTENCY_KEY_REUSED;
    public static final ProblemType ACCOUNT_NOT_FOUND = new ProblemType(404, "account-not-found", "Account not found");
    public static final ProblemType UNKNOWN_ACCOUNT = new ProblemType(422, "unknown-account", "Unknown account");
    public static final ProblemType CURRENCY_MISMATCH = new ProblemType(422, "currency-mismatch", "Currency mismatch");
    public static final ProblemType KIND_MISMATCH = new ProblemType(422, "kind-mismatch",
            "Legs do not fit the transfer's kind");
    public static final ProblemType ACCOUNT_CLOSED = new ProblemType(409, "account-closed", "Account closed");
    public static final ProblemType ACCOUNT_FROZEN = new ProblemType(409, "account-frozen", "Account frozen");
    public static final ProblemType BALANCE_LIMIT_EXCEEDED = new ProblemType(422, "balance-limit-exceeded",
            "Balance limit exceeded");
    public static final ProblemType INSUFFICIENT_FUNDS = new ProblemType(422, "insufficient-funds",
            "Insufficient funds");
    public static final ProblemType TRANSFER_NOT_FOUND = new ProblemType(404, "transfer-not-found",
            "Transfer not found");
    public static final ProblemType NOT_REVERSIBLE = new ProblemType(422, "not-reversible",
            "Transfer cannot be reversed");
    public static final ProblemType REVERSAL_EXCEEDS_ORIGINAL = new ProblemType(422, "reversal-exceeds-original",
            "Reversal exceeds the original");
    public static final ProblemType HOLD_NOT_FOUND = new ProblemType(404, "hold-not-found", "Hold not found");
    public static final ProblemType HOLD_NOT_SUPPORTED = new ProblemType(422, "hold-not-supported",
            "Holds not supported on this account");
    public static final ProblemType HOLD_NOT_ACTIVE = new ProblemType(409, "hold-not-active", "Hold not active");
    public static final ProblemType HOLD_EXPIRED = new ProblemType(409, "hold-expired", "Hold expired");
    public static final ProblemType CAPTURE_EXCEEDS_HOLD = new ProblemType(422, "capture-exceeds-hold",
            "Capture exceeds the hold");
    public static final ProblemType ACCOUNT_NOT_EMPTY = new ProblemType(409, "account-not-empty", "Account not empty");
    public static final ProblemType INVALID_CURSOR = ProblemType.INVALID_CURSOR;
    public static final ProblemType LINKED_TRANSFER_FAILED = new ProblemType(422, "linked-transfer-failed",
            "Linked transfer failed");
    public static final ProblemType LINKED_CHAIN_OPEN = new ProblemType(422, "linked-chain-open", "Linked chain open");

    private LedgerProblem() {
    }
}
