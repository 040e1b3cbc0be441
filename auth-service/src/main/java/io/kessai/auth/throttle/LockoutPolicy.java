package io.kessai.auth.throttle;

import java.time.Duration;

/**
 * Per-account lockout arithmetic (NIST SP 800-63B 5.2.2): the first {@code freeFailures} consecutive failures cost
 * nothing, then each one locks the account for twice as long as the one before, starting at {@code firstLock} and
 * capped at {@code maxLock}; after {@code hardLimit} consecutive failures the password no longer opens the account at
 * all until it is reset through a verified channel. With the defaults (5, 1 min, 1 h, 100) a guesser gets about 30
 * tries a day, and never more than 100 in a row.
 */
public record LockoutPolicy(int freeFailures, Duration firstLock, Duration maxLock, int hardLimit) {

    public static final LockoutPolicy DEFAULT = new LockoutPolicy(5, Duration.ofMinutes(1), Duration.ofHours(1), 100);

    public LockoutPolicy {
        if (freeFailures < 1 || hardLimit <= freeFailures || hardLimit > 100) {
            throw new IllegalArgumentException("need 1 <= freeFailures < hardLimit <= 100");
        }
        if (firstLock.isNegative() || firstLock.isZero() || maxLock.compareTo(firstLock) < 0) {
            throw new IllegalArgumentException("need 0 < firstLock <= maxLock");
        }
    }

    /** How long the account stays locked after its {@code consecutiveFailures}-th failure in a row. */
    public Duration lockAfter(int consecutiveFailures) {
        if (consecutiveFailures < freeFailures) {
            return Duration.ZERO;
        }
        int doublings = consecutiveFailures - freeFailures;
        if (doublings >= 62 || firstLock.toMillis() > (maxLock.toMillis() >> Math.min(doublings, 62))) {
            return maxLock;
        }
        Duration lock = firstLock.multipliedBy(1L << doublings);
        return lock.compareTo(maxLock) > 0 ? maxLock : lock;
    }

    /** Whether the password alone can no longer open the account (only a verified-channel reset can). */
    public boolean disabled(int consecutiveFailures) {
        return consecutiveFailures >= hardLimit;
    }
}
