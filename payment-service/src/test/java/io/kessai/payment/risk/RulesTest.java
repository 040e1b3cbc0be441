package io.kessai.payment.risk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.payment.PaymentConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Each rule's ALLOW, STEP_UP and DENY cases, with the default settings, as pure functions. */
class RulesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T03:00:00Z");
    private static final Instant LONG_AGO = NOW.minus(Duration.ofDays(30));
    private static final Instant AN_HOUR_AGO = NOW.minus(Duration.ofHours(1));

    private static final Rules RULES;

    static {
        // Quarkus's converter reads durations as the properties write them ("10M", "24H").
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withMapping(RiskConfig.class)
                .withMapping(PaymentConfig.class).build();
        RULES = new Rules(config.getConfigMapping(RiskConfig.class),
                config.getConfigMapping(PaymentConfig.class).payments());
    }

    private static MoneyMovement.Actor device(Instant boundAt, boolean steppedUp) {
        return new MoneyMovement.Actor("phone-1", boundAt, steppedUp, false, null);
    }

    private static MoneyMovement spend(long amount, MoneyMovement.Actor actor) {
        return new MoneyMovement(MoneyMovement.Kind.MPM_PAYMENT, UUID.randomUUID(), "cust-1", UUID.randomUUID(), null,
                amount, NOW, actor);
    }

    private static MoneyMovement topup(long amount, MoneyMovement.Actor actor) {
        return new MoneyMovement(MoneyMovement.Kind.TOPUP, UUID.randomUUID(), "cust-1", null, null, amount, NOW,
                new MoneyMovement.Actor(actor.deviceId(), actor.deviceBoundAt(), actor.steppedUp(), false,
                        UUID.randomUUID()));
    }

    private static List<Decision.Reason> judge(MoneyMovement movement, Figures figures) {
        return RULES.judge(movement, figures, NOW);
    }

    private static void assertOutcome(Decision.Outcome outcome, String code, List<Decision.Reason> reasons) {
        assertEquals(outcome, Rules.outcome(reasons), reasons.toString());
        if (code != null) {
            assertTrue(reasons.stream().anyMatch(reason -> reason.outcome() == outcome && reason.code().equals(code)),
                    code + " not in " + reasons);
        }
    }

    private static Figures spent(int count, long amount) {
        return new Figures(false, false, false, count, amount, 0, false, 0, false, false);
    }

    @Test
    void anOrdinaryPaymentFromAnEstablishedDevicePassesEveryRule() {
        List<Decision.Reason> reasons = judge(spend(1_200, device(LONG_AGO, false)), Figures.NONE);
        assertEquals(List.of(), reasons);
        assertEquals(Decision.Outcome.ALLOW, Rules.outcome(reasons));
    }

    @Test
    void maxAmount() {
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(500_000,
                device(LONG_AGO, false)), Figures.NONE));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(500_000, device(LONG_AGO, true)), Figures.NONE));
        assertOutcome(Decision.Outcome.DENY, "payment-limit-exceeded", judge(spend(500_001,
                device(LONG_AGO, true)), Figures.NONE));
    }

    @Test
    void stepUpAmount() {
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(100_000, device(LONG_AGO, false)), Figures.NONE));
        List<Decision.Reason> large = judge(spend(100_001, device(LONG_AGO, false)), Figures.NONE);
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, large);
        assertEquals("step-up-amount", large.getFirst().rule());
        assertEquals(100_000L, large.getFirst().figures().get("limit"));
        // A fresh step-up clears it, and the decision still says why it was needed.
        List<Decision.Reason> cleared = judge(spend(100_001, device(LONG_AGO, true)), Figures.NONE);
        assertOutcome(Decision.Outcome.ALLOW, "cleared", cleared);
        assertEquals(true, cleared.getFirst().figures().get("clearedByStepUp"));
    }

    @Test
    void newDevice() {
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(10_000, device(AN_HOUR_AGO, false)), Figures.NONE));
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(10_001,
                device(AN_HOUR_AGO, false)), Figures.NONE));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(10_001, device(AN_HOUR_AGO, true)), Figures.NONE));
        // A binding time nobody knows counts as new.
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(10_001, device(null, false)),
                Figures.NONE));
        // Above the deny amount no step-up helps: a new device cannot empty an account.
        assertOutcome(Decision.Outcome.DENY, "new-device-limit-exceeded", judge(spend(100_001,
                device(AN_HOUR_AGO, true)), Figures.NONE));
        // The same amount from a device bound a day and a second ago is only a large payment.
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(100_000, device(NOW.minus(Duration.ofHours(24))
                .minusSeconds(1), false)), Figures.NONE));
    }

    @Test
    void velocity() {
        MoneyMovement.Actor established = device(LONG_AGO, false);
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(100, established), spent(19, 10_000)));
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(100, established),
                spent(20, 10_000)));
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(100, established),
                spent(1, 199_950)));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(100, device(LONG_AGO, true)), spent(20, 10_000)));
        assertOutcome(Decision.Outcome.DENY, "velocity-limit-exceeded", judge(spend(100, device(LONG_AGO, true)),
                spent(60, 10_000)));
        List<Decision.Reason> denied = judge(spend(50_000, established), spent(3, 560_000));
        assertOutcome(Decision.Outcome.DENY, "velocity-limit-exceeded", denied);
        assertEquals(610_000L, denied.getFirst().figures().get("amount"));
    }

    @Test
    void firstUseOfACard() {
        MoneyMovement.Actor established = device(LONG_AGO, false);
        Figures usedBefore = new Figures(false, false, false, 0, 0, 0, false, 0, true, true);
        Figures firstUse = new Figures(false, false, false, 0, 0, 0, false, 0, false, true);
        assertOutcome(Decision.Outcome.ALLOW, null, judge(topup(50_000, established), usedBefore));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(topup(10_000, established), firstUse));
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(topup(50_000, established), firstUse));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(topup(50_000, device(LONG_AGO, true)), firstUse));
        assertOutcome(Decision.Outcome.DENY, "topup-limit-exceeded", judge(topup(100_001, device(LONG_AGO, true)),
                usedBefore));
    }

    @Test
    void theFirstTopUpFromANewDeviceNeedsAStepUp() {
        Figures cardKnown = new Figures(false, false, false, 0, 0, 0, false, 0, true, false);
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(topup(1_000, device(AN_HOUR_AGO,
                false)), cardKnown));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(topup(1_000, device(AN_HOUR_AGO, true)), cardKnown));
        Figures deviceToppedUp = new Figures(false, false, false, 0, 0, 0, false, 0, true, true);
        assertOutcome(Decision.Outcome.ALLOW, null, judge(topup(1_000, device(AN_HOUR_AGO, false)), deviceToppedUp));
    }

    @Test
    void theSevenPayPatternIsHeldForReviewAndAStepUpDoesNotReleaseIt() {
        // ¥50,000 topped up from a card used for the first time, then ¥40,000 spent at once.
        Figures afterNewCard = new Figures(false, false, false, 1, 0, 50_000, true, 0, false, false);
        List<Decision.Reason> reasons = judge(spend(40_000, device(LONG_AGO, true)), afterNewCard);
        assertOutcome(Decision.Outcome.STEP_UP, Rules.HELD_FOR_REVIEW, reasons);
        assertEquals(50_000L, reasons.getFirst().figures().get("topups"));
        assertEquals(40_000L, reasons.getFirst().figures().get("spent"));
        // From a new device, even with a known card.
        Figures afterKnownCard = new Figures(false, false, false, 1, 0, 50_000, false, 0, true, false);
        assertOutcome(Decision.Outcome.STEP_UP, Rules.HELD_FOR_REVIEW, judge(spend(9_000, device(AN_HOUR_AGO, true)),
                new Figures(false, false, false, 1, 0, 15_000, false, 0, true, false)));
        // A known card and an established device: a step-up is enough.
        assertOutcome(Decision.Outcome.STEP_UP, Rules.STEP_UP_REQUIRED, judge(spend(40_000, device(LONG_AGO, false)),
                afterKnownCard));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(40_000, device(LONG_AGO, true)), afterKnownCard));
        // Spending less than half of it, or after small top-ups, is ordinary.
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(20_000, device(LONG_AGO, false)), afterNewCard));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(spend(9_000, device(LONG_AGO, false)),
                new Figures(false, false, false, 1, 0, 9_999, true, 0, false, false)));
        // What was spent since the top-ups counts with this one.
        assertOutcome(Decision.Outcome.STEP_UP, Rules.HELD_FOR_REVIEW, judge(spend(5_000, device(LONG_AGO, false)),
                new Figures(false, false, false, 4, 20_000, 50_000, true, 20_000, false, false)));
    }

    @Test
    void offlineCodesAboveTheirLimitAreConfirmedInTheApp() {
        MoneyMovement.Actor offline = new MoneyMovement.Actor("phone-1", LONG_AGO, false, true, null);
        MoneyMovement small = new MoneyMovement(MoneyMovement.Kind.CPM_PAYMENT, UUID.randomUUID(), "cust-1",
                UUID.randomUUID(), null, 10_000, NOW, offline);
        assertOutcome(Decision.Outcome.ALLOW, null, judge(small, Figures.NONE));
        MoneyMovement large = new MoneyMovement(MoneyMovement.Kind.CPM_PAYMENT, UUID.randomUUID(), "cust-1",
                UUID.randomUUID(), null, 10_001, NOW, offline);
        assertOutcome(Decision.Outcome.STEP_UP, Rules.CONFIRM_IN_APP, judge(large, Figures.NONE));
        // Every step-up of an offline code is a confirmation in the app: the till cannot step up.
        MoneyMovement fromNewPhone = new MoneyMovement(MoneyMovement.Kind.CPM_PAYMENT, UUID.randomUUID(), "cust-1",
                UUID.randomUUID(), null, 10_000, NOW, new MoneyMovement.Actor("phone-1", null, false, true, null));
        assertOutcome(Decision.Outcome.ALLOW, null, judge(fromNewPhone, Figures.NONE));
        assertOutcome(Decision.Outcome.DENY, "payment-limit-exceeded", judge(new MoneyMovement(
                MoneyMovement.Kind.CPM_PAYMENT, UUID.randomUUID(), "cust-1", UUID.randomUUID(), null, 600_000, NOW,
                offline), Figures.NONE));
    }

    @Test
    void freezesRefuseWhateverElseHolds() {
        MoneyMovement.Actor steppedUp = device(LONG_AGO, true);
        assertOutcome(Decision.Outcome.DENY, "account-frozen", judge(spend(100, steppedUp),
                new Figures(true, false, false, 0, 0, 0, false, 0, false, false)));
        assertOutcome(Decision.Outcome.DENY, "device-frozen", judge(spend(100, steppedUp),
                new Figures(false, true, false, 0, 0, 0, false, 0, false, false)));
        assertOutcome(Decision.Outcome.DENY, "card-frozen", judge(topup(100, steppedUp),
                new Figures(false, false, true, 0, 0, 0, false, 0, true, true)));
        assertEquals(403, judge(spend(100, steppedUp), new Figures(true, false, false, 0, 0, 0, false, 0, false,
                false)).getFirst().status());
    }
}
