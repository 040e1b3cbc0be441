package io.kessai.payment.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.kessai.payment.status.StatusView.Capability;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

class SignalsTest {

    record Config(Duration cacheFor, Duration shedWindow, Duration receiptsDelayedAfter, Duration receiptsDownAfter,
            Duration checkTimeout) implements StatusConfig {
    }

    private static final Config CONFIG = new Config(Duration.ofSeconds(1), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofSeconds(1));

    private static Map<String, Level> levels(Signals signals) {
        Map<String, Capability> capabilities = signals.capabilities(CONFIG);
        assertEquals(java.util.List.of("paying", "refunds", "transfers", "receipts"),
                java.util.List.copyOf(capabilities.keySet()));
        return Map.of("paying", capabilities.get("paying").status(), "refunds", capabilities.get("refunds").status(),
                "transfers", capabilities.get("transfers").status(), "receipts", capabilities.get("receipts").status());
    }

    private static Optional<Duration> backlog(long seconds) {
        return Optional.of(Duration.ofSeconds(seconds));
    }

    @Test
    void allWellIsOkEverywhere() {
        assertEquals(Map.of("paying", Level.OK, "refunds", Level.OK, "transfers", Level.OK, "receipts", Level.OK),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, false, false, backlog(3))));
    }

    @Test
    void anOpenBreakerStopsMoneyButNotReceipts() {
        assertEquals(Map.of("paying", Level.DOWN, "refunds", Level.DOWN, "transfers", Level.DOWN, "receipts", Level.OK),
                levels(new Signals(CircuitBreakerState.OPEN, CircuitBreakerState.CLOSED, false, false, backlog(0))));
        assertEquals(
                Map.of("paying", Level.DEGRADED, "refunds", Level.DEGRADED, "transfers", Level.DEGRADED, "receipts",
                        Level.OK),
                levels(new Signals(CircuitBreakerState.HALF_OPEN, CircuitBreakerState.CLOSED, false, false,
                        backlog(0))));
    }

    @Test
    void recipientLookupsAtAuthServiceMatterToTransfersAlone() {
        assertEquals(Map.of("paying", Level.OK, "refunds", Level.OK, "transfers", Level.DOWN, "receipts", Level.OK),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN, false, false, backlog(0))));
        assertEquals(Map.of("paying", Level.OK, "refunds", Level.OK, "transfers", Level.DEGRADED, "receipts", Level.OK),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.HALF_OPEN, false, false,
                        backlog(0))));
    }

    @Test
    void sheddingDegradesWhatTheShedClassServes() {
        assertEquals(
                Map.of("paying", Level.DEGRADED, "refunds", Level.DEGRADED, "transfers", Level.DEGRADED, "receipts",
                        Level.OK),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, true, false, backlog(0))));
        // Order codes are part of paying an order, not of refunds.
        assertEquals(Map.of("paying", Level.DEGRADED, "refunds", Level.OK, "transfers", Level.OK, "receipts", Level.OK),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, false, true, backlog(0))));
    }

    @Test
    void receiptsFollowTheAgeOfTheOldestUndelivered() {
        assertEquals(Level.DEGRADED,
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, false, false, backlog(61)))
                        .get("receipts"));
        assertEquals(Level.DOWN,
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, false, false, backlog(601)))
                        .get("receipts"));
    }

    @Test
    void noDatabaseIsDownEverywhere() {
        assertEquals(
                Map.of("paying", Level.DOWN, "refunds", Level.DOWN, "transfers", Level.DOWN, "receipts", Level.DOWN),
                levels(new Signals(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, false, false,
                        Optional.empty())));
    }

    @Test
    void theOverallLevelIsTheWorst() {
        assertEquals(Level.DOWN, Level.OK.worst(Level.DOWN));
        assertEquals(Level.DEGRADED, Level.DEGRADED.worst(Level.OK));
    }
}
