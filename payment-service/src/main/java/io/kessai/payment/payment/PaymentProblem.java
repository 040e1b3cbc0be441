package io.kessai.payment.payment;

import io.kessai.common.problem.ProblemException;

/** The refusals of payments, cancels and refunds, one problem type each. Every refusal changes nothing. */
public enum PaymentProblem {

    // @formatter:off
    MISSING_IDEMPOTENCY_KEY(400, "missing-idempotency-key", "Idempotency-Key required"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency key reused"),
    MERCHANT_UNKNOWN(422, "merchant-unknown", "Unknown merchant"),
    MERCHANT_FROZEN(409, "merchant-frozen", "Merchant frozen"),
    ORDER_NOT_FOUND(422, "order-not-found", "Order not found"),
    ORDER_EXPIRED(409, "order-expired", "Order expired"),
    ORDER_DELETED(409, "order-deleted", "Order deleted"),
    ORDER_ALREADY_PAID(409, "order-already-paid", "Order already paid"),
    AMOUNT_MISMATCH(422, "amount-mismatch", "Amount mismatch"),
    AMOUNT_REQUIRED(400, "amount-required", "Amount required"),
    WALLET_NOT_FOUND(422, "wallet-not-found", "No wallet"),
    PAYMENT_NOT_FOUND(404, "payment-not-found", "Payment not found"),
    INSUFFICIENT_FUNDS(422, "insufficient-funds", "Insufficient funds"),
    WALLET_FROZEN(409, "wallet-frozen", "Wallet frozen"),
    PAYMENT_REFUSED(422, "payment-refused", "Payment refused"),
    CANCEL_WINDOW_CLOSED(409, "cancel-window-closed", "Cancel window closed"),
    PAYMENT_REFUNDED(409, "payment-refunded", "Payment refunded"),
    PAYMENT_NOT_REFUNDABLE(409, "payment-not-refundable", "Payment not refundable"),
    REFUND_EXCEEDS_REMAINING(422, "refund-exceeds-remaining", "Refund exceeds what remains"),
    MERCHANT_REFUND_ID_REUSED(409, "merchant-refund-id-reused", "merchantRefundId reused"),
    REFUND_NOT_FOUND(404, "refund-not-found", "Refund not found"),
    REFUND_REFUSED(422, "refund-refused", "Refund refused");
    // @formatter:on

    private final int status;
    private final String code;
    private final String title;

    PaymentProblem(int status, String code, String title) {
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

    /** The problem a failed payment answers with, from the code it failed with. */
    public static ProblemException ofFailure(String failureCode, String detail) {
        return ofFailure(failureCode, detail, PAYMENT_REFUSED);
    }

    /** The problem a failed payment or refund answers with: its own code's, or {@code otherwise}'s. */
    public static ProblemException ofFailure(String failureCode, String detail, PaymentProblem otherwise) {
        for (PaymentProblem problem : values()) {
            if (problem.code.equals(failureCode)) {
                return problem.exception(detail);
            }
        }
        return otherwise.exception(detail);
    }
}
