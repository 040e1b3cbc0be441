package io.kessai.payment.risk;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.kessai.common.problem.ProblemException;

/**
 * The risk engine's answer for one money movement, stored with its reasons and the figures each rule used.
 *
 * <ul>
 * <li>{@code ALLOW}: the movement goes ahead; what it counts (day, month, velocity) counts from now on.</li>
 * <li>{@code STEP_UP}: it may go ahead once the customer has passed a second factor again: the flow keeps the movement
 * held (not posted, nothing counted) and answers {@link #problem()} (403 {@code step-up-required}); the same request
 * again under the same {@code Idempotency-Key} with a step-up token is judged again, and ops may approve or deny it
 * from the review list meanwhile ({@link HeldMovements}). A held movement that nobody resolves expires to FAILED.</li>
 * <li>{@code DENY}: it does not happen; {@link #problem()} is the first reason's problem (422 with the reason's
 * code, such as {@code daily-limit-exceeded}, or 403 {@code risk-denied} for a freeze).</li>
 * </ul>
 */
public record Decision(UUID id, Outcome outcome, List<Reason> reasons) {

    public enum Outcome {

        ALLOW, STEP_UP, DENY;

        public String wire() {
            return name().toLowerCase();
        }
    }

    /**
     * Why: the rule's setting name (such as {@code velocity}), the code a refusal answers with, a human detail that
     * names no secret, and the figures the rule compared (what was counted, the limit).
     */
    public record Reason(String rule, Outcome outcome, int status, String code, String detail,
            Map<String, Object> figures) {

        public ProblemException problem() {
            return new ProblemException(status, code, Titles.of(code), detail);
        }
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }

    /**
     * The answer a refused movement gets: the first reason of its outcome. Only for {@code STEP_UP} and {@code DENY}.
     */
    public ProblemException problem() {
        if (outcome == Outcome.ALLOW) {
            throw new IllegalStateException("an allowed movement has no problem");
        }
        return reasons.stream().filter(reason -> reason.outcome() == outcome).findFirst()
                .map(Reason::problem).orElseThrow();
    }

    /** A title per reason code: a problem's title names its kind, its detail the case. */
    static final class Titles {

        private Titles() {
        }

        static String of(String code) {
            String words = code.replace('-', ' ');
            return Character.toUpperCase(words.charAt(0)) + words.substring(1);
        }
    }
}
