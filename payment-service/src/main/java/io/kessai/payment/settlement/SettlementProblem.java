package io.kessai.payment.settlement;

import io.kessai.common.problem.ProblemType;

/** The refusals of statements, bank accounts and payouts. Every refusal changes nothing. */
public final class SettlementProblem {

    /** Today (JST) or a later day: its statement is not final yet. */
    public static final ProblemType BUSINESS_DAY_OPEN = new ProblemType(409, "business-day-open",
            "Business day not closed");
    /**
     * A closed day that is not settled yet: a payout waits {@code settle-after} past the day's end, so that outcomes
     * committed late are on its statement first.
     */
    public static final ProblemType SETTLEMENT_NOT_DUE = new ProblemType(409, "settlement-not-due",
            "Settlement not due");
    public static final ProblemType BANK_ACCOUNT_NOT_FOUND = new ProblemType(404, "bank-account-not-found",
            "No bank account");
    public static final ProblemType PAYOUT_NOT_FOUND = new ProblemType(404, "payout-not-found", "Payout not found");

    private SettlementProblem() {
    }
}
