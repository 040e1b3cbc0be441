package io.kessai.payment.p2p;

import java.util.List;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.payment.payment.PaymentProblem;

/** The refusals of person-to-person transfers, one problem type each. Every refusal moves no money. */
public final class P2pProblem {

    /** Unknown numbers and numbers that cannot receive answer alike, so a sender learns nothing about either. */
    public static final ProblemType RECIPIENT_UNAVAILABLE = new ProblemType(422, "recipient-unavailable",
            "Recipient unavailable");
    public static final ProblemType P2P_TO_SELF = new ProblemType(422, "p2p-to-self", "Transfer to yourself");
    public static final ProblemType TOO_MANY_RECIPIENTS = new ProblemType(429, "too-many-recipients",
            "Too many recipients");
    public static final ProblemType TRANSFER_NOT_FOUND = new ProblemType(404, "transfer-not-found",
            "Transfer not found");
    public static final ProblemType TRANSFER_REFUSED = new ProblemType(422, "transfer-refused", "Transfer refused");

    /** What a transfer can have failed with, so that a replay answers the same problem again. */
    private static final List<ProblemType> FAILURES = List.of(RECIPIENT_UNAVAILABLE, PaymentProblem.INSUFFICIENT_FUNDS,
            PaymentProblem.WALLET_FROZEN);

    private P2pProblem() {
    }

    /** The problem a failed transfer answers with: its code's, or 422 {@code transfer-refused}. */
    static ProblemException ofFailure(String code, String detail) {
        for (ProblemType problem : FAILURES) {
            if (problem.code().equals(code)) {
                return problem.exception(detail);
            }
        }
        // Failed by the risk engine (a held transfer denied or expired): its own code, as the engine answers it.
        if (code.startsWith("risk-")) {
            return new ProblemException(403, code, "Risk denied", detail);
        }
        return TRANSFER_REFUSED.exception(detail);
    }

    static ProblemException recipientUnavailable() {
        return RECIPIENT_UNAVAILABLE.exception("This number cannot receive transfers. Check the number, or ask the "
                + "person to sign up for Kessai.");
    }
}
