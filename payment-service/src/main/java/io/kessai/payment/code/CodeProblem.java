package io.kessai.payment.code;

import io.kessai.common.problem.ProblemType;

/** The refusals of merchant codes (creating, reading and deleting order codes), one problem type each. */
public final class CodeProblem {

    public static final ProblemType ORDER_NOT_FOUND = new ProblemType(404, "order-not-found", "Order not found");
    public static final ProblemType MERCHANT_PAYMENT_ID_REUSED = new ProblemType(409, "merchant-payment-id-reused",
            "merchantPaymentId reused");
    public static final ProblemType ORDER_NOT_DELETABLE = new ProblemType(409, "order-not-deletable",
            "Order cannot be deleted");

    private CodeProblem() {
    }
}
