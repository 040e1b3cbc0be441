package io.kessai.payment.cpm;

import io.kessai.common.problem.ProblemType;

/** The refusals of payment keys and customer-presented codes, one problem type each. Every refusal changes nothing. */
public final class CpmProblem {

    public static final ProblemType CODE_MALFORMED = new ProblemType(400, "cpm-code-malformed",
            "Not a Kessai payment code");
    /** Unknown device reference or a one-time part that does not match: answered alike, counted for the throttle. */
    public static final ProblemType CODE_INVALID = new ProblemType(422, "cpm-code-invalid", "Invalid payment code");
    public static final ProblemType CODE_EXPIRED = new ProblemType(422, "cpm-code-expired", "Payment code expired");
    public static final ProblemType CODE_USED = new ProblemType(409, "cpm-code-used", "Payment code already used");
    public static final ProblemType CODE_SUPERSEDED = new ProblemType(409, "cpm-code-superseded",
            "A newer payment code was used");
    public static final ProblemType KEY_REVOKED = new ProblemType(403, "payment-key-revoked", "Payment key revoked");
    public static final ProblemType TOO_MANY_FAILURES = new ProblemType(429, "cpm-too-many-failures",
            "Too many invalid payment codes");
    public static final ProblemType KEY_NOT_FOUND = new ProblemType(404, "payment-key-not-found",
            "Payment key not found");
    /** Issuing a key to a user or device in {@code frozen_subject}: the codes the risk engine answers them with. */
    public static final ProblemType ACCOUNT_FROZEN = new ProblemType(403, "account-frozen", "Account frozen");
    public static final ProblemType DEVICE_FROZEN = new ProblemType(403, "device-frozen", "Device frozen");
    public static final ProblemType DEVICE_REQUIRED = new ProblemType(400, "device-required", "Device required");
    public static final ProblemType MERCHANT_PAYMENT_ID_REUSED = new ProblemType(409, "merchant-payment-id-reused",
            "merchantPaymentId reused");

    private CpmProblem() {
    }
}
