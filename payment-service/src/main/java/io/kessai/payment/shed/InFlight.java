package io.kessai.payment.shed;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests in flight, per {@link EndpointClass} and in all, and whether one more may start. Lock-free: a place is
 * taken only by a compare-and-set below its limit, so the counts never pass a limit, not even for a moment (an
 * increment-then-check would turn other requests away spuriously while it is undone).
 */
final class InFlight {

    private final int maxInFlight;
    private final int othersMaxInFlight;
    private final Map<EndpointClass, Integer> classLimits = new EnumMap<>(EndpointClass.class);
    private final Map<EndpointClass, AtomicInteger> byClass = new EnumMap<>(EndpointClass.class);
    private final AtomicInteger total = new AtomicInteger();

    InFlight(SheddingConfig config) {
        if (config.maxInFlight() < 1 || config.reservedForPayments() < 0
                || config.reservedForPayments() >= config.maxInFlight()) {
            throw new IllegalArgumentException("kessai.payment.shedding: max-in-flight must be at least 1 and "
                    + "reserved-for-payments between 0 and max-in-flight - 1");
        }
        this.maxInFlight = config.maxInFlight();
        this.othersMaxInFlight = config.maxInFlight() - config.reservedForPayments();
        classLimits.put(EndpointClass.PAYMENTS, config.maxInFlight());
        classLimits.put(EndpointClass.CODES, config.codesMaxInFlight());
        classLimits.put(EndpointClass.READS, config.readsMaxInFlight());
        classLimits.put(EndpointClass.OTHER, config.otherMaxInFlight());
        for (EndpointClass endpointClass : EndpointClass.values()) {
            byClass.put(endpointClass, new AtomicInteger());
        }
    }

    /** Takes a place for a request of this class; false (and nothing taken) when it must be refused. */
    boolean tryAcquire(EndpointClass endpointClass) {
        AtomicInteger count = byClass.get(endpointClass);
        if (!takeBelow(count, classLimits.get(endpointClass))) {
            return false;
        }
        if (!takeBelow(total, endpointClass == EndpointClass.PAYMENTS ? maxInFlight : othersMaxInFlight)) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a place {@link #tryAcquire} took; call it once per place. */
    void release(EndpointClass endpointClass) {
        byClass.get(endpointClass).decrementAndGet();
        total.decrementAndGet();
    }

    /** Places taken by this class now. */
    int inFlight(EndpointClass endpointClass) {
        return byClass.get(endpointClass).get();
    }

    int total() {
        return total.get();
    }

    private static boolean takeBelow(AtomicInteger count, int limit) {
        while (true) {
            int now = count.get();
            if (now >= limit) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }
}
