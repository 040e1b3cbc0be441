package io.kessai.payment.code;

import io.kessai.common.problem.ProblemException;

/** The refusals of merchant codes (creating, reading and deleting order codes), one problem type each. */
public enum CodeProblem {

    // @formatter:off
    ORDER_NOT_FOUND(404, "order-not-found", "Order not found"),
    MERCHANT_PAYMENT_ID_REUSED(409, "merchant-payment-id-reused", "merchantPaymentId reused"),
    ORDER_NOT_DELETABLE(409, "order-not-deletable", "Order cannot be deleted"),
    MERCHANT_FROZEN(409, "merchant-frozen", "Merchant frozen"),
    MERCHANT_NOT_ACTIVE(409, "merchant-not-active", "Merchant not active"),
    STORE_NOT_FOUND(404, "store-not-found", "Store not found");
    // @formatter:on

    private final int status;
    private final String code;
    private final String title;

    CodeProblem(int status, String code, String title) {
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
}
