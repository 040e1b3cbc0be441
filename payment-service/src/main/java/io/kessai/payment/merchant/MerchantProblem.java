package io.kessai.payment.merchant;

import io.kessai.common.problem.ProblemException;

/** The refusals of merchant applications and their review, one problem type each. Every refusal changes nothing. */
public enum MerchantProblem {

    // @formatter:off
    MISSING_IDEMPOTENCY_KEY(400, "missing-idempotency-key", "Idempotency-Key required"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency key reused"),
    MERCHANT_NOT_FOUND(404, "merchant-not-found", "Merchant not found"),
    MERCHANT_NOT_PENDING(409, "merchant-not-pending", "Merchant not pending review"),
    MERCHANT_NOT_ACTIVE(409, "merchant-not-active", "Merchant not active"),
    STORE_NOT_FOUND(404, "store-not-found", "Store not found"),
    STORE_LIMIT_REACHED(409, "store-limit-reached", "Store limit reached");
    // @formatter:on

    private final int status;
    private final String code;
    private final String title;

    MerchantProblem(int status, String code, String title) {
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
