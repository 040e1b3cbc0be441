package io.kessai.payment.payment;

import java.util.List;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.payment.merchant.MerchantProblem;

/** The refusals of payments, cancels and refunds, one problem type each. Every refusal changes nothing. */
public final class PaymentProblem {

    public static final ProblemType MERCHANT_UNKNOWN = new ProblemType(422, "merchant-unknown", "Unknown merchant");
    public static final ProblemType ORDER_NOT_FOUND = new ProblemType(422, "order-not-found", "Order not found");
    public static final ProblemType ORDER_EXPIRED = new ProblemType(409, "order-expired", "Order expired");
    public static final ProblemType ORDER_DELETED = new ProblemType(409, "order-deleted", "Order deleted");
    public static final ProblemType ORDER_ALREADY_PAID = new ProblemType(409, "order-already-paid",
            "Order already paid");
    public static final ProblemType AMOUNT_MISMATCH = new ProblemType(422, "amount-mismatch", "Amount mismatch");
    public static final ProblemType AMOUNT_REQUIRED = new ProblemType(400, "amount-required", "Amount required");
    public static final ProblemType WALLET_NOT_FOUND = new ProblemType(422, "wallet-not-found", "No wallet");
    public static final ProblemType PAYMENT_NOT_FOUND = new ProblemType(404, "payment-not-found", "Payment not found");
    public static final ProblemType INSUFFICIENT_FUNDS = new ProblemType(422, "insufficient-funds",
            "Insufficient funds");
    public static final ProblemType WALLET_FROZEN = new ProblemType(409, "wallet-frozen", "Wallet frozen");
    public static final ProblemType PAYMENT_REFUSED = new ProblemType(422, "payment-refused", "Payment refused");
    public static final ProblemType CANCEL_WINDOW_CLOSED = new ProblemType(409, "cancel-window-closed",
            "Cancel window closed");
    public static final ProblemType PAYMENT_REFUNDED = new ProblemType(409, "payment-refunded", "Payment refunded");
    public static final ProblemType PAYMENT_NOT_REFUNDABLE = new ProblemType(409, "payment-not-refundable",
            "Payment not refundable");
    public static final ProblemType REFUND_EXCEEDS_REMAINING = new ProblemType(422, "refund-exceeds-remaining",
            "Refund exceeds what remains");
    public static final ProblemType MERCHANT_REFUND_ID_REUSED = new ProblemType(409, "merchant-refund-id-reused",
            "merchantRefundId reused");
    public static final ProblemType REFUND_NOT_FOUND = new ProblemType(404, "refund-not-found", "Refund not found");
    public static final ProblemType REFUND_REFUSED = new ProblemType(422, "refund-refused", "Refund refused");

    /** What a payment or refund can have failed with, so that its answer is the same problem again. */
    private static final List<ProblemType> FAILURES = List.of(MerchantProblem.MERCHANT_FROZEN, INSUFFICIENT_FUNDS,
            WALLET_FROZEN);

    private PaymentProblem() {
    }

    /** The problem a failed payment answers with, from the code it failed with. */
    public static ProblemException ofFailure(String failureCode, String detail) {
        return ofFailure(failureCode, detail, PAYMENT_REFUSED);
    }

    /** The problem a failed payment or refund answers with: its own code's, or {@code otherwise}'s. */
    public static ProblemException ofFailure(String failureCode, String detail, ProblemType otherwise) {
        for (ProblemType problem : FAILURES) {
            if (problem.code().equals(failureCode)) {
                return problem.exception(detail);
            }
        }
        return otherwise.exception(detail);
    }
}
