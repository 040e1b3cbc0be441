package io.kessai.payment.risk;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemType;
import io.kessai.payment.PaymentConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The gate as it stands in part 1: a limit per payment and a limit per customer and business day (JST). The day's
 * total is one row per customer and day, raised in the payment's own transaction only if it stays within the limit,
 * so concurrent payments can never together exceed it; a payment that fails gives its amount back.
 */
@ApplicationScoped
public class Limits implements MoneyMovementGate {

    /** Business days are Japanese days, whatever the servers' zone. */
    public static final ZoneId BUSINESS_ZONE = ZoneId.of("Asia/Tokyo");

    static final ProblemType PAYMENT_LIMIT_EXCEEDED = new ProblemType(422, "payment-limit-exceeded",
            "Payment limit exceeded");
    static final ProblemType DAILY_LIMIT_EXCEEDED = new ProblemType(422, "daily-limit-exceeded",
            "Daily limit exceeded");

    private final PaymentConfig.Payments config;

    Limits(PaymentConfig config) {
        this.config = config.payments();
    }

    private ProblemException dailyLimitExceeded() {
        return DAILY_LIMIT_EXCEEDED.exception("Payments may total at most " + config.dailyLimit() + " JPY a day "
                + "(JST); this one would go beyond it.");
    }

    @Override
    public Uni<Void> admit(SqlConnection tx, MoneyMovement movement) {
        if (movement.amount() > config.maxAmount()) {
            throw PAYMENT_LIMIT_EXCEEDED.exception("One payment may be at most " + config.maxAmount() + " JPY; this "
                    + "one is " + movement.amount() + " JPY.");
        }
        if (movement.amount() > config.dailyLimit()) {
            throw dailyLimitExceeded();
        }
        return tx.preparedQuery("INSERT INTO customer_day_total AS t (customer_id, day, total) VALUES ($1, $2, $3) "
                + "ON CONFLICT (customer_id, day) DO UPDATE SET total = t.total + EXCLUDED.total "
                + "WHERE t.total + EXCLUDED.total <= $4 RETURNING total")
                .execute(Tuple.of(movement.customerId(), day(movement), movement.amount(), config.dailyLimit()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw dailyLimitExceeded();
                    }
                    return null;
                });
    }

    /**
     * All of a group's day totals in one statement, in customer order (so two groups never wait for each other's rows
     * in opposite orders): a customer whose total would pass the limit is the row the upsert does not return.
     */
    @Override
    public Uni<List<ProblemException>> admitAll(SqlConnection tx, List<MoneyMovement> movements) {
        List<ProblemException> refusals = new ArrayList<>(movements.size());
        List<MoneyMovement> counted = new ArrayList<>();
        for (MoneyMovement movement : movements) {
            ProblemException refused = movement.amount() > config.maxAmount()
                    ? PAYMENT_LIMIT_EXCEEDED.exception("One payment may be at most " + config.maxAmount() + " JPY; "
                            + "this one is " + movement.amount() + " JPY.")
                    : movement.amount() > config.dailyLimit() ? dailyLimitExceeded() : null;
            refusals.add(refused);
            if (refused == null) {
                counted.add(movement);
            }
        }
        if (counted.isEmpty()) {
            return Uni.createFrom().item(refusals);
        }
        return tx.preparedQuery("INSERT INTO customer_day_total AS t (customer_id, day, total) "
                + "SELECT * FROM unnest($1::text[], $2::date[], $3::bigint[]) AS v(customer_id, day, total) "
                + "ORDER BY v.customer_id "
                + "ON CONFLICT (customer_id, day) DO UPDATE SET total = t.total + EXCLUDED.total "
                + "WHERE t.total + EXCLUDED.total <= $4 RETURNING customer_id")
                .execute(Tuple.of(counted.stream().map(MoneyMovement::customerId).toArray(String[]::new),
                        counted.stream().map(Limits::day).toArray(LocalDate[]::new),
                        counted.stream().map(MoneyMovement::amount).toArray(Long[]::new), config.dailyLimit()))
                .map(rows -> {
                    Set<String> admitted = new HashSet<>();
                    rows.forEach(row -> admitted.add(row.getString("customer_id")));
                    for (int i = 0; i < movements.size(); i++) {
                        if (refusals.get(i) == null && !admitted.contains(movements.get(i).customerId())) {
                            refusals.set(i, dailyLimitExceeded());
                        }
                    }
                    return refusals;
                });
    }

    @Override
    public Uni<Void> release(SqlConnection tx, MoneyMovement movement) {
        return tx.preparedQuery("UPDATE customer_day_total SET total = greatest(total - $3, 0) "
                + "WHERE customer_id = $1 AND day = $2")
                .execute(Tuple.of(movement.customerId(), day(movement), movement.amount())).replaceWithVoid();
    }

    private static LocalDate day(MoneyMovement movement) {
        return movement.at().atZone(BUSINESS_ZONE).toLocalDate();
    }
}
