package io.kessai.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for asynchronous work (a worker, a relay, another process) to reach a state, polling without timing asserts. */
public final class Eventually {

    private Eventually() {
    }

    /**
     * Polls every 50 ms until the condition holds; fails naming {@code what} after {@code timeout}.
     *
     * <p>A condition that throws (an assertion such as {@code .statusCode(200)} inside it meeting a transient 5xx, a
     * connection reset while a service restarts) counts as "not yet" and is tried again until the deadline: the state
     * being awaited is often reached through such moments. The failure then names what was awaited and carries the
     * last error as its cause, so a condition that can never hold still shows why.
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable lastError = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                lastError = null;
            } catch (AssertionError | RuntimeException notYet) {
                lastError = notYet;
            }
            if (System.nanoTime() - deadline > 0) {
                String message = "timed out after " + timeout.toSeconds() + " s waiting for " + what;
                if (lastError == null) {
                    fail(message);
                }
                fail(message + "; last attempt failed with: " + lastError, lastError);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what, e);
            }
        }
    }
}
