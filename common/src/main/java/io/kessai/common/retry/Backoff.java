package io.kessai.common.retry;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * The wait before the next attempt: exponential from {@code initial}, capped at {@code max}, with "equal jitter"
 * (a random point in the upper half), so that retries after a shared outage do not arrive all at once.
 */
public record Backoff(Duration initial, Duration max) {

    /**
     * @param attempt the attempt that just failed, from 1
     * @param random  returns a value in [0, bound) for a given bound
     */
    public Duration after(int attempt, LongUnaryOperator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1");
        }
        long capMs = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt - 1, 30));
        long halfMs = capMs / 2;
        return Duration.ofMillis(halfMs + random.applyAsLong(capMs - halfMs + 1));
    }
}
