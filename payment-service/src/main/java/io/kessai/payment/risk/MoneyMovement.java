package io.kessai.payment.risk;

import java.time.Instant;
import java.util.UUID;

/**
 * A money movement that is about to happen, as the risk engine judges it: of which kind, who pays (the customer) and
 * whom (a merchant, or another customer for person-to-person), how much, when, and who is behind it ({@link Actor}).
 * A refund is never judged: returning money is never blocked.
 *
 * @param id the movement's own id (the payment's, the top-up's, the transfer's): decisions are stored under it
 * @param merchantId the merchant paid (payments), null otherwise
 * @param recipientId the customer paid (person-to-person), null otherwise
 */
public record MoneyMovement(Kind kind, UUID id, String customerId, UUID merchantId, String recipientId, long amount,
        Instant at, Actor actor) {

    public enum Kind {

        /** The customer scanned a merchant's code (online, the app's own token). */
        MPM_PAYMENT,
        /** A till charged the customer's offline one-time code (the app's payment key, no token). */
        CPM_PAYMENT,
        /** A card charged through the funding gateway, credited to the wallet. */
        TOPUP,
        /** Person-to-person: to another customer's wallet. */
        P2P;

        /** Whether money leaves the customer's wallet (a top-up brings it in). */
        public boolean spends() {
            return this != TOPUP;
        }

        /** The name stored with a decision. */
        public String wire() {
            return name().toLowerCase();
        }
    }

    /**
     * Who is behind a movement, as far as this service knows without asking anyone: the device (from the access
     * token's {@code did} and {@code device_bound_at}, or the payment key's device for an offline code), whether the
     * request carries a fresh step-up ({@link Actors}), whether it was derived offline, and the card of a top-up.
     *
     * @param deviceBoundAt when a second factor bound the device; null when unknown, which the rules treat as new
     * @param fundingSourceId the card of a top-up, null otherwise
     */
    public record Actor(String deviceId, Instant deviceBoundAt, boolean steppedUp, boolean offline,
            UUID fundingSourceId) {

        /** Nothing known: what a movement being given back ({@link MoneyMovementGate#release}) carries. */
        public static final Actor UNKNOWN = new Actor(null, null, false, false, null);
    }
}
