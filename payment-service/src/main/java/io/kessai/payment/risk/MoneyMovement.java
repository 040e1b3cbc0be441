package io.kessai.payment.risk;

import java.time.Instant;
import java.util.UUID;

/**
 * A money movement that is about to happen, as the gate judges it: who pays, whom, how much, of which kind, when.
 * Part 2 adds kinds (top-ups, person-to-person, customer-presented codes) and the fields its rules read (device,
 * card); a refund is never judged: returning money is never blocked.
 */
public record MoneyMovement(Kind kind, UUID id, String customerId, UUID merchantId, long amount, Instant at) {

    public enum Kind {
        MPM_PAYMENT
    }
}
