package io.kessai.payment.ledger;

/**
 * A call to wallet-service that got no definitive answer. {@link #maybeSent()} tells the two cases apart that money
 * depends on: a call refused before it left (open breaker, full bulkhead, no token, connection refused) cannot have
 * posted anything; one that timed out or got a 5xx may have, so its payment stays pending until reconciled.
 */
public class WalletUnavailable extends RuntimeException {

    private final boolean maybeSent;

    public WalletUnavailable(String message, boolean maybeSent, Throwable cause) {
        super(message, cause, false, false);
        this.maybeSent = maybeSent;
    }

    public boolean maybeSent() {
        return maybeSent;
    }
}
