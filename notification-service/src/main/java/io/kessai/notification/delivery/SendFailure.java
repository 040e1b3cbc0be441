package io.kessai.notification.delivery;

/** A channel could not deliver; {@code permanent} failures (a rejected number, say) are not retried. */
public class SendFailure extends RuntimeException {

    private final boolean permanent;

    public SendFailure(String reason, boolean permanent) {
        super(reason, null, false, false);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
