package io.kessai.wallet.ledger;

import java.util.List;
import java.util.Map;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;

/**
 * The ledger's refusals, one problem type each, in the order they are checked: a request is judged by the first rule
 * it breaks, so the same request always gets the same answer. Every refusal changes nothing.
 */
public enum LedgerProblem {

    INVALID_AMOUNT(400, "invalid-amount", "Invalid amount"), MISSING_IDEMPOTENCY_KEY(400, "missing-idempotency-key",
            "Idempotency-Key required"), IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused",
                    "Idempotency key reused"), ACCOUNT_NOT_FOUND(404, "account-not-found",
                            "Account not found"), UNKNOWN_ACCOUNT(422, "unknown-account",
                                    "Unknown account"), CURRENCY_MISMATCH(422, "currency-mismatch",
                                            "Currency mismatch"), KIND_MISMATCH(422, "kind-mismatch",
                                                    "Legs do not fit the transfer's kind"), ACCOUNT_CLOSED(409,
                                                            "account-closed",
                                                            "Account closed"), ACCOUNT_FROZEN(409, "account-frozen",
                                                                    "Account frozen"), BALANCE_LIMIT_EXCEEDED(422,
                                                                            "balance-limit-exceeded",
                                                                            "Balance limit exceeded"), INSUFFICIENT_FUNDS(
                                                                                    422,
                                                                                    "insufficient-funds",
                                                                                    "Insufficient funds"), TRANSFER_NOT_FOUND(
                                                                                            404, "transfer-not-found",
                                                                                            "Transfer not found"), NOT_REVERSIBLE(
                                                                                                    422,
                                                                                                    "not-reversible",
                                                                                                    "Transfer cannot be reversed"), REVERSAL_EXCEEDS_ORIGINAL(
                                                                                                            422,
                                                                                                            "reversal-exceeds-original",
                                                                                                            "Reversal exceeds the original"), HOLD_NOT_FOUND(
                                                                                                                    404,
                                                                                                                    "hold-not-found",
                                                                                                                    "Hold not found"), HOLD_NOT_SUPPORTED(
                                                                                                                            422,
                                                                                                                            "hold-not-supported",
                                                                                                                            "Holds not supported on this account"), HOLD_NOT_ACTIVE(
                                                                                                                                    409,
                                                                                                                                    "hold-not-active",
                                                                                                                                    "Hold not active"), HOLD_EXPIRED(
                                                                                                                                            409,
                                                                                                                                            "hold-expired",
                                                                                                                                            "Hold expired"), CAPTURE_EXCEEDS_HOLD(
                                                                                                                                                    422,
                                                                                                                                                    "capture-exceeds-hold",
                                                                                                                                                    "Capture exceeds the hold"), ACCOUNT_NOT_EMPTY(
                                                                                                                                                            409,
                                                                                                                                                            "account-not-empty",
                                                                                                                                                            "Account not empty"), INVALID_CURSOR(
                                                                                                                                                                    400,
                                                                                                                                                                    "invalid-cursor",
                                                                                                                                                                    "Invalid cursor"), LINKED_TRANSFER_FAILED(
                                                                                                                                                                            422,
                                                                                                                                                                            "linked-transfer-failed",
                                                                                                                                                                            "Linked transfer failed"), LINKED_CHAIN_OPEN(
                                                                                                                                                                                    422,
                                                                                                                                                                                    "linked-chain-open",
                                                                                                                                                                                    "Linked chain open");

    private final int status;
    private final String code;
    private final String title;

    LedgerProblem(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public String code() {
        return code;
    }

    public ProblemException exception(String detail) {
        return new ProblemException(status, code, title, detail);
    }

    /** The same refusal, naming the request field it concerns (e.g. {@code legs[1].amount}). */
    public ProblemException exception(String detail, String field) {
        return new ProblemException(status, code, title, detail, List.of(new Problem.FieldError(field, detail)),
                Map.of());
    }
}
