package io.kessai.payment.payment;

import jakarta.inject.Singleton;

import io.kessai.payment.PaymentConfig;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Lets tests run the reconciler themselves ({@code kessai.payment.reconcile.enabled=false} in {@code %test}), so no
 * scheduled pass races a test that wants a payment to stay pending until it says so.
 */
@Singleton
public class ReconcilerSwitch implements Scheduled.SkipPredicate {

    private final boolean enabled;

    ReconcilerSwitch(PaymentConfig config) {
        this.enabled = config.reconcile().enabled();
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !enabled;
    }
}
