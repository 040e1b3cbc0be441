package io.kessai.payment.settlement;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Lets tests run the settlement job themselves ({@code kessai.payment.settlement.enabled=false} in {@code %test}),
 * and stops it once the service is shutting down (a run cut off loses nothing: every step is idempotent and its
 * payouts' leases run out).
 */
@Singleton
public class SettlementSwitch implements Scheduled.SkipPredicate {

    private final boolean enabled;
    private volatile boolean stopping;

    SettlementSwitch(SettlementConfig config) {
        this.enabled = config.enabled();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !enabled || stopping;
    }
}
