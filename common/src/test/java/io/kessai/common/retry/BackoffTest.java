package io.kessai.common.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The retry arithmetic, with the randomness pinned to its extremes. */
class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(10));

    private static Duration shortest(Backoff backoff, int attempt) {
        return backoff.after(attempt, bound -> 0);
    }

    private static Duration longest(Backoff backoff, int attempt) {
        return backoff.after(attempt, bound -> bound - 1);
    }

    @Test
    void firstRetryWaitsBetweenHalfAndAllOfTheInitialBackoff() {
        assertEquals(Duration.ofSeconds(1), shortest(backoff, 1));
        assertEquals(Duration.ofSeconds(2), longest(backoff, 1));
    }

    @Test
    void waitDoublesWithEachAttempt() {
        assertEquals(Duration.ofSeconds(4), longest(backoff, 2));
        assertEquals(Duration.ofSeconds(8), longest(backoff, 3));
        assertEquals(Duration.ofSeconds(256), longest(backoff, 8));
    }

    @Test
    void waitIsCappedAndNeverOverflows() {
        assertEquals(Duration.ofMinutes(10), longest(backoff, 10));
        assertEquals(Duration.ofMinutes(10), longest(backoff, 1_000));
        assertEquals(Duration.ofMinutes(5), shortest(backoff, 1_000));
    }

    @Test
    void attemptsCountFromOne() {
        assertThrows(IllegalArgumentException.class, () -> backoff.after(0, bound -> 0));
    }
}
