package io.kessai.payment.risk;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kessai.payment.PaymentConfig;

/**
 * The rules, as pure functions of a movement, what was read for it ({@link Figures}) and the settings: no database,
 * no clock but the one given, so each rule's ALLOW, STEP_UP and DENY cases are unit tests ({@code RulesTest}). The
 * running totals (day, month, top-ups per day, offline per day) are judged by {@link RiskEngine} after these, as
 * conditional upserts.
 *
 * <p>A reason that a step-up clears is kept, as ALLOW with {@code clearedByStepUp}, when the movement carries a fresh
 * step-up: the decision still says why it needed one.
 */
public final class Rules {

    /** 403: get a step-up token and send the same request again with it. */
    public static final String STEP_UP_REQUIRED = "step-up-required";
    /** 403, for an offline code at a till: the customer confirms the payment in the app (online, with a step-up). */
    public static final String CONFIRM_IN_APP = "confirm-in-app";
    /** 403: held until ops approve or deny it; a step-up does not release it. */
    public static final String HELD_FOR_REVIEW = "held-for-review";

    private final RiskConfig risk;
    private final PaymentConfig.Payments payments;

    public Rules(RiskConfig risk, PaymentConfig.Payments payments) {
        this.risk = risk;
        this.payments = payments;
    }

    /** The reasons of every rule that did not simply pass, most serious first (freezes, then limits, then the rest). */
    public List<Decision.Reason> judge(MoneyMovement movement, Figures figures, Instant now) {
        List<Decision.Reason> reasons = new ArrayList<>();
        MoneyMovement.Actor actor = movement.actor();
        long amount = movement.amount();
        frozen(figures, reasons);
        boolean newDevice = isNew(actor, now);
        if (movement.kind().spends()) {
            if (amount > payments.maxAmount()) {
                reasons.add(deny("max-amount", 422, "payment-limit-exceeded", "One payment may be at most "
                        + payments.maxAmount() + " JPY; this one is " + amount + " JPY.",
                        figures("amount", amount, "limit", payments.maxAmount())));
            }
            if (newDevice && amount > risk.newDevice().denyAmount()) {
                reasons.add(deny("new-device", 422, "new-device-limit-exceeded", "A device bound less than "
                        + hours(risk.newDevice().age()) + " h ago may spend at most " + risk.newDevice().denyAmount()
                        + " JPY at once.", deviceFigures(actor, amount, risk.newDevice().denyAmount())));
            }
            velocity(movement, figures, reasons);
            topupThenSpend(movement, figures, newDevice, reasons);
            if (newDevice && amount > risk.newDevice().stepUpAmount() && amount <= risk.newDevice().denyAmount()) {
                reasons.add(stepUp(movement, "new-device", "A device bound less than " + hours(risk.newDevice().age())
                        + " h ago needs a fresh second factor for more than " + risk.newDevice().stepUpAmount()
                        + " JPY.", deviceFigures(actor, amount, risk.newDevice().stepUpAmount())));
            }
            if (amount > risk.stepUpAmount() && amount <= payments.maxAmount()) {
                reasons.add(stepUp(movement, "step-up-amount", "A payment above " + risk.stepUpAmount()
                        + " JPY needs a fresh second factor.",
                        figures("amount", amount, "limit", risk.stepUpAmount())));
            }
            if (actor.offline() && amount > risk.offline().maxAmount()) {
                reasons.add(stepUp(movement, "offline", "A payment of an offline code above "
                        + risk.offline().maxAmount() + " JPY must be confirmed in the app.",
                        figures("amount", amount, "limit", risk.offline().maxAmount())));
            }
        } else {
            if (amount > risk.topups().maxAmount()) {
                reasons.add(deny("topup-max-amount", 422, "topup-limit-exceeded", "One top-up may be at most "
                        + risk.topups().maxAmount() + " JPY.",
                        figures("amount", amount, "limit", risk.topups().maxAmount())));
            }
            if (!figures.cardUsedBefore()) {
                if (amount > risk.firstCard().denyAmount()) {
                    reasons.add(deny("first-card", 422, "first-card-limit-exceeded", "The first top-up with a card "
                            + "may be at most " + risk.firstCard().denyAmount() + " JPY.",
                            figures("amount", amount, "limit", risk.firstCard().denyAmount())));
                } else if (amount > risk.firstCard().stepUpAmount()) {
                    reasons.add(stepUp(movement, "first-card", "The first top-up with a card above "
                            + risk.firstCard().stepUpAmount() + " JPY needs a fresh second factor.",
                            figures("amount", amount, "limit", risk.firstCard().stepUpAmount())));
                }
            }
            if (newDevice && !figures.deviceToppedUpBefore()) {
                reasons.add(stepUp(movement, "new-device", "The first top-up from a device bound less than "
                        + hours(risk.newDevice().age()) + " h ago needs a fresh second factor.",
                        deviceFigures(actor, amount, 0)));
            }
        }
        return reasons;
    }

    /** ALLOW, STEP_UP or DENY: the most serious outcome among the reasons. */
    public static Decision.Outcome outcome(List<Decision.Reason> reasons) {
        Decision.Outcome outcome = Decision.Outcome.ALLOW;
        for (Decision.Reason reason : reasons) {
            if (reason.outcome() == Decision.Outcome.DENY) {
                return Decision.Outcome.DENY;
            }
            if (reason.outcome() == Decision.Outcome.STEP_UP) {
                outcome = Decision.Outcome.STEP_UP;
            }
        }
        return outcome;
    }

    /** Whether a device counts as new: bound less than {@code new-device.age} ago, or when is unknown. */
    boolean isNew(MoneyMovement.Actor actor, Instant now) {
        return actor.deviceBoundAt() == null || actor.deviceBoundAt().isAfter(now.minus(risk.newDevice().age()));
    }

    private static void frozen(Figures figures, List<Decision.Reason> reasons) {
        if (figures.userFrozen()) {
            reasons.add(deny("frozen", 403, "account-frozen", "This account is frozen; no money moves for it.",
                    figures("subject", "user")));
        }
        if (figures.deviceFrozen()) {
            reasons.add(deny("frozen", 403, "device-frozen", "This device is frozen; no money moves from it.",
                    figures("subject", "device")));
        }
        if (figures.cardFrozen()) {
            reasons.add(deny("frozen", 403, "card-frozen", "This card is frozen; it cannot be charged.",
                    figures("subject", "card")));
        }
    }

    private void velocity(MoneyMovement movement, Figures figures, List<Decision.Reason> reasons) {
        RiskConfig.Velocity velocity = risk.velocity();
        int count = figures.windowCount() + 1;
        long amount = figures.windowAmount() + movement.amount();
        Map<String, Object> seen = figures("count", count, "amount", amount, "windowSeconds",
                velocity.window().toSeconds());
        if (count > velocity.denyCount() || amount > velocity.denyAmount()) {
            seen.put("denyCount", velocity.denyCount());
            seen.put("denyAmount", velocity.denyAmount());
            reasons.add(deny("velocity", 422, "velocity-limit-exceeded", "Too many payments in a short time: at "
                    + "most " + velocity.denyCount() + " or " + velocity.denyAmount() + " JPY in "
                    + velocity.window().toMinutes() + " min.", seen));
        } else if (count > velocity.stepUpCount() || amount > velocity.stepUpAmount()) {
            seen.put("stepUpCount", velocity.stepUpCount());
            seen.put("stepUpAmount", velocity.stepUpAmount());
            reasons.add(stepUp(movement, "velocity", "Many payments in a short time need a fresh second factor.",
                    seen));
        }
    }

    private void topupThenSpend(MoneyMovement movement, Figures figures, boolean newDevice,
            List<Decision.Reason> reasons) {
        RiskConfig.TopupThenSpend rule = risk.topupThenSpend();
        if (figures.recentTopups() < rule.minTopups()) {
            return;
        }
        long spent = figures.spentSinceTopups() + movement.amount();
        if (spent < Math.ceil(rule.share() * figures.recentTopups())) {
            return;
        }
        Map<String, Object> seen = figures("topups", figures.recentTopups(), "spent", spent, "share", rule.share(),
                "windowSeconds", rule.window().toSeconds(), "firstCardUse", figures.recentTopupFirstCard(),
                "newDevice", newDevice);
        if (figures.recentTopupFirstCard() || newDevice) {
            // 7pay: a card new to the account (or a device new to it) topped up and spent at once. A second factor
            // proves little once an account is taken over: a person looks at it.
            reasons.add(new Decision.Reason("topup-then-spend", Decision.Outcome.STEP_UP, 403, HELD_FOR_REVIEW,
                    "Spending a card top-up at once from a new card or device is held for review; it goes ahead if "
                            + "Kessai approves it and fails otherwise within " + risk.holdExpiry().toMinutes()
                            + " min.",
                    seen));
        } else {
            reasons.add(stepUp(movement, "topup-then-spend", "Spending most of a card top-up at once needs a fresh "
                    + "second factor.", seen));
        }
    }

    /**
     * A reason a step-up clears: STEP_UP, or ALLOW marked {@code clearedByStepUp} when the movement carries one. At a
     * till (an offline code) the customer confirms in the app instead.
     */
    private static Decision.Reason stepUp(MoneyMovement movement, String rule, String detail,
            Map<String, Object> figures) {
        if (movement.actor().steppedUp()) {
            figures.put("clearedByStepUp", true);
            return new Decision.Reason(rule, Decision.Outcome.ALLOW, 200, "cleared", detail, figures);
        }
        if (movement.actor().offline()) {
            return new Decision.Reason(rule, Decision.Outcome.STEP_UP, 403, CONFIRM_IN_APP, detail + " The customer "
                    + "must confirm this payment in the Kessai app.", figures);
        }
        return new Decision.Reason(rule, Decision.Outcome.STEP_UP, 403, STEP_UP_REQUIRED, detail + " Get a step-up "
                + "token (POST /v1/step-up at auth-service) and send the same request again with it, under the same "
                + "Idempotency-Key.", figures);
    }

    private static Decision.Reason deny(String rule, int status, String code, String detail,
            Map<String, Object> figures) {
        return new Decision.Reason(rule, Decision.Outcome.DENY, status, code, detail, figures);
    }

    private Map<String, Object> deviceFigures(MoneyMovement.Actor actor, long amount, long limit) {
        Map<String, Object> figures = figures("amount", amount, "limit", limit, "maxAgeSeconds",
                risk.newDevice().age().toSeconds());
        figures.put("deviceBoundAt", actor.deviceBoundAt() == null ? null : actor.deviceBoundAt().toString());
        return figures;
    }

    private static long hours(Duration duration) {
        return duration.toHours();
    }

    static Map<String, Object> figures(Object... pairs) {
        Map<String, Object> figures = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            figures.put((String) pairs[i], pairs[i + 1]);
        }
        return figures;
    }
}
