package io.kessai.payment.funding;

import java.util.Map;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.payment.risk.Rules;

/** The refusals of cards and top-ups, one problem type each. A refusal charges nothing and credits nothing. */
public final class FundingProblem {

    public static final ProblemType INVALID_CARD_NUMBER = new ProblemType(422, "invalid-card-number",
            "Invalid card number");
    public static final ProblemType CARD_EXPIRED = new ProblemType(422, "card-expired", "Card expired");
    public static final ProblemType CARD_NOT_SUPPORTED = new ProblemType(422, "card-not-supported",
            "Card not supported");
    public static final ProblemType CARD_NOT_FOUND = new ProblemType(404, "card-not-found", "Card not found");
    public static final ProblemType TOO_MANY_CARDS = new ProblemType(409, "too-many-cards", "Too many cards");
    public static final ProblemType TOPUP_NOT_FOUND = new ProblemType(404, "topup-not-found", "Top-up not found");
    /** The issuer declined the charge; the problem's {@code declineCode} says why. */
    public static final ProblemType CARD_DECLINED = new ProblemType(402, "card-declined", "Card declined");
    public static final ProblemType TOPUP_REFUSED = new ProblemType(422, "topup-refused", "Top-up refused");

    private FundingProblem() {
    }

    /** 403 {@code step-up-required}, as the risk engine answers it, for what needs a fresh second factor. */
    static ProblemException stepUpRequired(String detail, String location) {
        return new ProblemException(403, Rules.STEP_UP_REQUIRED, "Step-up required", detail, java.util.List.of(),
                location == null ? Map.of() : Map.of("Location", location));
    }

    /** The problem a failed top-up answers with, so that a replay answers the same again. */
    static ProblemException ofFailure(String code, String detail) {
        if (Topups.DECLINES.contains(code)) {
            return CARD_DECLINED.exception(detail);
        }
        if (code.startsWith("risk-") || code.endsWith("-frozen")) {
            return new ProblemException(403, code, "Risk denied", detail);
        }
        return TOPUP_REFUSED.exception(detail);
    }
}
