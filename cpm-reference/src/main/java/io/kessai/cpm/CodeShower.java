package io.kessai.cpm;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * What the app runs to show codes offline: holds the payment key and its device reference (as issued) and the next
 * counter, and gives the code to show now. The app keeps the counter across restarts (it only has to differ between
 * codes of one time step, so restarting it at 0 is safe but may give a code the till refuses as used).
 */
public final class CodeShower {

    private final byte[] key;
    private final int deviceReference;
    private final Duration step;
    private int counter;

    public CodeShower(byte[] key, int deviceReference, Duration step, int nextCounter) {
        if (key.length != CpmCodes.KEY_BYTES) {
            throw new IllegalArgumentException("a payment key has " + CpmCodes.KEY_BYTES + " bytes");
        }
        this.key = Arrays.copyOf(key, key.length);
        this.deviceReference = deviceReference;
        this.step = step;
        this.counter = Math.floorMod(nextCounter, CpmCodes.COUNTERS);
    }

    /** The code to show at {@code now}; the next call counts on. */
    public synchronized String next(Instant now) {
        String code = CpmCodes.code(key, deviceReference, CpmCodes.timeStep(now, step), counter);
        counter = (counter + 1) % CpmCodes.COUNTERS;
        return code;
    }

    /** The counter the next code will carry (what the app persists). */
    public synchronized int nextCounter() {
        return counter;
    }
}
