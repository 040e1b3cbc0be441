package io.kessai.payment.merchant;

import io.kessai.common.problem.ProblemType;

/** The refusals of merchant applications and their review, one problem type each. Every refusal changes nothing. */
public final class MerchantProblem {

    public static final ProblemType MERCHANT_NOT_FOUND = new ProblemType(404, "merchant-not-found",
            "Merchant not found");
    public static final ProblemType MERCHANT_NOT_PENDING = new ProblemType(409, "merchant-not-pending",
            "Merchant not pending review");
    public static final ProblemType MERCHANT_FROZEN = new ProblemType(409, "merchant-frozen", "Merchant frozen");
    public static final ProblemType MERCHANT_NOT_ACTIVE = new ProblemType(409, "merchant-not-active",
            "Merchant not active");
    public static final ProblemType STORE_NOT_FOUND = new ProblemType(404, "store-not-found", "Store not found");
    public static final ProblemType STORE_LIMIT_REACHED = new ProblemType(409, "store-limit-reached",
            "Store limit reached");

    private MerchantProblem() {
    }
}
