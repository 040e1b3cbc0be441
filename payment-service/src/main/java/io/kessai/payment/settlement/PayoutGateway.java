package io.kessai.payment.settlement;

import java.util.UUID;

import io.smallrye.mutiny.Uni;

/**
 * The bank transfer of a payout to a merchant's account. Both calls are idempotent by the payout id: sending the same
 * payout again never pays twice, it answers the first outcome. A failure to answer (a timeout, a dropped connection)
 * is {@link Outcome#unknown}, never a guess.
 */
public interface PayoutGateway {

    /** A bank transfer to make. */
    record Order(UUID payoutId, long amount, String currency, BankAccounts.BankAccount account) {
    }

    /** What the gateway says: paid (with its reference), failed (with its reason), unknown, or never received. */
    record Outcome(State state, String reference, String code, String detail) {

        public enum State {
            PAID, FAILED, UNKNOWN, NOT_FOUND
        }

        static Outcome paid(String reference) {
            return new Outcome(State.PAID, reference, null, null);
        }

        static Outcome failed(String code, String detail) {
            return new Outcome(State.FAILED, null, code, detail);
        }

        static Outcome unknown(String detail) {
            return new Outcome(State.UNKNOWN, null, null, detail);
        }

        static Outcome notFound() {
            return new Outcome(State.NOT_FOUND, null, null, null);
        }
    }

    /** Sends the order (or answers the first outcome of the same payout id again). */
    Uni<Outcome> send(Order order);

    /** The outcome of a payout sent before; {@code NOT_FOUND} if it never arrived (then it may be sent again). */
    Uni<Outcome> status(UUID payoutId);
}
