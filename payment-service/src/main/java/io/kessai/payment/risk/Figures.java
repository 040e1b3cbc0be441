package io.kessai.payment.risk;

/**
 * What the engine read from this service's database for one movement before judging it: freezes, the customer's
 * recent allowed movements and the history of its card and device. Running totals with hard limits (day, month) are
 * not here: they are raised by conditional upserts after the rules ({@link RiskEngine}), so concurrent movements
 * cannot pass them together.
 *
 * @param windowCount allowed spends of the customer in the velocity window, this one not included
 * @param windowAmount their yen
 * @param recentTopups yen of the customer's allowed card top-ups in the 7pay window
 * @param recentTopupFirstCard whether one of those top-ups was its card's first
 * @param spentSinceTopups yen the customer spent since the first of those top-ups, this one not included
 * @param cardUsedBefore whether the top-up's card has an allowed top-up already (false for spends)
 * @param deviceToppedUpBefore whether the movement's device has an allowed top-up already
 */
public record Figures(boolean userFrozen, boolean deviceFrozen, boolean cardFrozen, int windowCount, long windowAmount,
        long recentTopups, boolean recentTopupFirstCard, long spentSinceTopups, boolean cardUsedBefore,
        boolean deviceToppedUpBefore) {

    /** A customer with no history and no freeze. */
    public static final Figures NONE = new Figures(false, false, false, 0, 0, 0, false, 0, false, false);
}
