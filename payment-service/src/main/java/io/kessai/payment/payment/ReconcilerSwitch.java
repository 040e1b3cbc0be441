package io.kessai.payment.payment;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.kessai.payment.PaymentConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Lets tests run the reconciler themselves ({@code kessai.payment.reconcile.enabled=false} in {@code %test}), so no
 * scheduled pass races a test that wants a payment to stay pending until it says so; and stops the passes once the
 * service is shutting down, before its database pool closes under them (a pass that is cut off loses nothing: its
 * rows' leases run out and another replica, or this one after a restart, takes them).
 */
@Singleton
public class ReconcilerSwitch implements Scheduled.SkipPredicate {

    private final boolean enabled;
    private volatile boolean stopping;

    ReconcilerSwitch(PaymentConfig config) {
        this.enabled = config.reconcile().enabled();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !enabled || stopping;
    }
}
