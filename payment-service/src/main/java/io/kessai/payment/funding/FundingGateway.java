package io.kessai.payment.funding;

import io.smallrye.mutiny.Uni;

/**
 * A card acquirer as top-ups use it: tokenize a card (the number and CVC go to the gateway and nowhere else), charge a
 * token under our own reference (a repeat of the same reference is the same charge, never a second one), and ask what
 * became of a charge by that reference. A call whose outcome is unknown fails with {@link GatewayUnavailable}.
 */
public interface FundingGateway {

    /** What a customer typed; kept in memory only for the call to the gateway. */
    record CardDetails(String number, int expiryMonth, int expiryYear, String cvc) {

        @Override
        public String toString() {
            return "CardDetails[****]";
        }
    }

    /** A card as the gateway tokenized it: never the number, only what may be shown. */
    record Tokenized(String token, String brand, String last4, int expiryMonth, int expiryYear) {
    }

    /** What became of a charge. */
    enum Status {
        APPROVED, DECLINED, CHALLENGE_REQUIRED, PENDING, NOT_FOUND
    }

    /**
     * @param chargeId the gateway's id of an approved charge
     * @param declineCode why a declined charge was declined ({@code insufficient-funds}, {@code card-declined},
     *        {@code expired-card})
     */
    record Charge(Status status, String chargeId, String declineCode) {
    }

    /** Tokenizes a card; a card the gateway does not accept is a {@link CardRefused}. */
    Uni<Tokenized> tokenize(CardDetails card);

    /**
     * Charges {@code token} under {@code reference}; {@code challengeCompleted} when the customer has just passed a
     * step-up for it (the 3-D Secure-like challenge).
     */
    Uni<Charge> charge(String reference, String token, long amount, String currency, boolean challengeCompleted);

    /** What became of the charge made under {@code reference}; NOT_FOUND when none reached the gateway. */
    Uni<Charge> status(String reference);

    /** The gateway refused to tokenize a card (not one it accepts). */
    final class CardRefused extends RuntimeException {

        private final String code;

        public CardRefused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** No definitive answer: {@code maybeSent} when the request may have reached the gateway. */
    final class GatewayUnavailable extends RuntimeException {

        private final boolean maybeSent;

        public GatewayUnavailable(String message, boolean maybeSent) {
            super(message);
            this.maybeSent = maybeSent;
        }

        public boolean maybeSent() {
            return maybeSent;
        }
    }
}
