package io.kessai.system;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Japanese mobile numbers that no other test of this run uses. The stack's databases are new for each run, so a
 * counter makes them unique by construction where random digits only made a collision unlikely.
 */
final class TestPhones {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private TestPhones() {
    }

    /** The eight subscriber digits of a new number, as in 0X0-XXXX-XXXX. */
    static int nextSubscriber() {
        return 10_000_000 + NEXT.incrementAndGet();
    }

    /** A new number in E.164 after {@code prefix}, e.g. {@code +8170}. */
    static String next(String prefix) {
        return prefix + nextSubscriber();
    }
}
