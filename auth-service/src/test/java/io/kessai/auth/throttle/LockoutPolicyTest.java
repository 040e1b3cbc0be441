package io.kessai.auth.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class LockoutPolicyTest {

    private final LockoutPolicy policy = LockoutPolicy.DEFAULT;

    @Test
    void theFirstFourFailuresCostNothingThenLocksDoubleFromOneMinuteUpToAnHour() {
        for (int failures = 0; failures < 5; failures++) {
            assertEquals(Duration.ZERO, policy.lockAfter(failures));
        }
        assertEquals(Duration.ofMinutes(1), policy.lockAfter(5));
        assertEquals(Duration.ofMinutes(2), policy.lockAfter(6));
        assertEquals(Duration.ofMinutes(4), policy.lockAfter(7));
        assertEquals(Duration.ofMinutes(32), policy.lockAfter(10));
        assertEquals(Duration.ofHours(1), policy.lockAfter(11));
        assertEquals(Duration.ofHours(1), policy.lockAfter(99));
        assertEquals(Duration.ofHours(1), policy.lockAfter(Integer.MAX_VALUE));
    }

    @Test
    void locksNeverShrinkAsFailuresGrow() {
        Duration previous = Duration.ZERO;
        for (int failures = 0; failures <= 200; failures++) {
            Duration lock = policy.lockAfter(failures);
            assertTrue(lock.compareTo(previous) >= 0, "at " + failures);
            assertTrue(lock.compareTo(Duration.ofHours(1)) <= 0, "capped at " + failures);
            previous = lock;
        }
    }

    @Test
    void aGuesserGetsAboutThirtyTriesADayAndNeverAHundredInARow() {
        long elapsedMinutes = 0;
        int failures = 0;
        while (elapsedMinutes < 24 * 60) {
            failures++;
            elapsedMinutes += policy.lockAfter(failures).toMinutes();
        }
        assertTrue(failures <= 40, failures + " tries in a day");
        assertFalse(policy.disabled(99));
        assertTrue(policy.disabled(100));
    }

    @Test
    void nonsensicalPoliciesAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new LockoutPolicy(5, Duration.ofMinutes(1), Duration.ofHours(1), 101));
        assertThrows(IllegalArgumentException.class,
                () -> new LockoutPolicy(0, Duration.ofMinutes(1), Duration.ofHours(1), 100));
        assertThrows(IllegalArgumentException.class,
                () -> new LockoutPolicy(5, Duration.ofHours(2), Duration.ofHours(1), 100));
    }
}
