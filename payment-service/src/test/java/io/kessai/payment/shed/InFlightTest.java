package io.kessai.payment.shed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class InFlightTest {

    record Limits(int maxInFlight, int reservedForPayments, int codesMaxInFlight, int readsMaxInFlight,
            int otherMaxInFlight) implements SheddingConfig {

        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public Duration retryAfter() {
            return Duration.ofSeconds(1);
        }
    }

    @Test
    void readsStopWhereThePaymentsReserveBeginsAndPaymentsUseAllOfIt() {
        InFlight inFlight = new InFlight(new Limits(10, 4, 10, 10, 10));
        for (int i = 0; i < 6; i++) {
            assertTrue(inFlight.tryAcquire(EndpointClass.READS));
        }
        assertFalse(inFlight.tryAcquire(EndpointClass.READS), "the reserve is for payments");
        assertFalse(inFlight.tryAcquire(EndpointClass.CODES), "the reserve is for payments");
        for (int i = 0; i < 4; i++) {
            assertTrue(inFlight.tryAcquire(EndpointClass.PAYMENTS));
        }
        assertFalse(inFlight.tryAcquire(EndpointClass.PAYMENTS), "all places are taken");
        assertEquals(10, inFlight.total());
        inFlight.release(EndpointClass.READS);
        assertTrue(inFlight.tryAcquire(EndpointClass.PAYMENTS), "a place given back by a read goes to a payment");
        assertFalse(inFlight.tryAcquire(EndpointClass.READS));
    }

    @Test
    void eachClassHasItsOwnLimitAndARefusalTakesNothing() {
        InFlight inFlight = new InFlight(new Limits(10, 2, 1, 2, 1));
        assertTrue(inFlight.tryAcquire(EndpointClass.READS));
        assertTrue(inFlight.tryAcquire(EndpointClass.READS));
        assertFalse(inFlight.tryAcquire(EndpointClass.READS));
        assertTrue(inFlight.tryAcquire(EndpointClass.CODES));
        assertFalse(inFlight.tryAcquire(EndpointClass.CODES));
        assertTrue(inFlight.tryAcquire(EndpointClass.OTHER));
        assertFalse(inFlight.tryAcquire(EndpointClass.OTHER));
        assertEquals(2, inFlight.inFlight(EndpointClass.READS));
        assertEquals(4, inFlight.total());
    }

    @Test
    void underContentionNoLimitIsEverPassedAndEveryPlaceComesBack() throws Exception {
        InFlight inFlight = new InFlight(new Limits(4, 2, 8, 8, 8));
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger all = new AtomicInteger();
        AtomicInteger mostReads = new AtomicInteger();
        AtomicInteger mostAll = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            EndpointClass endpointClass = t % 2 == 0 ? EndpointClass.READS : EndpointClass.PAYMENTS;
            threads.execute(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (inFlight.tryAcquire(endpointClass)) {
                        mostAll.accumulateAndGet(all.incrementAndGet(), Math::max);
                        if (endpointClass == EndpointClass.READS) {
                            mostReads.accumulateAndGet(reads.incrementAndGet(), Math::max);
                            reads.decrementAndGet();
                        }
                        all.decrementAndGet();
                        inFlight.release(endpointClass);
                    }
                }
                done.countDown();
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        threads.shutdown();
        assertTrue(mostReads.get() <= 2, "reads stay below max-in-flight - reserved-for-payments: " + mostReads);
        assertTrue(mostAll.get() <= 4, "all stay within max-in-flight: " + mostAll);
        assertEquals(0, inFlight.total());
        assertEquals(0, inFlight.inFlight(EndpointClass.READS));
        assertEquals(0, inFlight.inFlight(EndpointClass.PAYMENTS));
    }

    @Test
    void aReserveAsLargeAsTheWholeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new InFlight(new Limits(4, 4, 1, 1, 1)));
    }
}
