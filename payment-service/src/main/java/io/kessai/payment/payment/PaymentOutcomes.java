package io.kessai.payment.payment;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Payments by outcome, the business counter operators watch next to the error rate: {@code kessai_payments_total} with
 * {@code method} ({@code mpm}: a customer paid a merchant's code; {@code cpm}: a till charged a customer's code;
 * {@code confirmation}: a held payment confirmed after a step-up) and {@code outcome}, one of
 * <ul>
 * <li>{@code completed}, {@code pending} (outcome not known yet: the reconciler settles it), {@code failed} (recorded and
 * refused, e.g. insufficient funds or the risk engine), {@code held} (waiting for a step-up or a review): a payment
 * made by this request;
 * <li>{@code replayed}: a retry under a key already used, answered with the payment as it is;
 * <li>{@code rejected}: a 4xx problem before any payment was recorded (a malformed, expired or reused code, a frozen
 * merchant, a limit);
 * <li>{@code unavailable}: a 503/429, nothing recorded (the ledger unreachable, an open breaker);
 * <li>{@code error}: anything else, a bug.
 * </ul>
 * Requests the load shedder refused never reach a resource: {@code kessai_payment_shed_requests_total} counts them.
 */
@ApplicationScoped
public class PaymentOutcomes {

    private final MeterRegistry metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    PaymentOutcomes(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** {@code payment}'s answer, counted once it is known; a request that throws before it has a Uni counts too. */
    Uni<Payments.Outcome> counted(String method, Supplier<Uni<? extends Payments.Outcome>> payment) {
        return Uni.createFrom().<Payments.Outcome>deferred(payment)
                .onItem().invoke(outcome -> count(method, outcome.replayed()
                        ? "replayed"
                        : outcome.payment().status().toLowerCase(Locale.ROOT)))
                .onFailure().invoke(failure -> count(method, outcomeOf(failure)));
    }

    private static String outcomeOf(Throwable failure) {
        if (failure instanceof ProblemException problem) {
            int status = problem.status();
            if (status == 503 || status == 429) {
                return "unavailable";
            }
            return status >= 400 && status < 500 ? "rejected" : "error";
        }
        return "error";
    }

    private void count(String method, String outcome) {
        counters.computeIfAbsent(method + '/' + outcome, key -> Counter.builder("kessai.payments")
                .description("Payment requests by method and outcome").tag("method", method).tag("outcome", outcome)
                .register(metrics)).increment();
    }
}
