package io.kessai.payment.risk;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.id.TimeOrderedUuid;
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

    private Decision.Reason perPayment(MoneyMovement movement) {
        return new Decision.Reason("max-amount", Decision.Outcome.DENY, PAYMENT_LIMIT_EXCEEDED.status(),
                PAYMENT_LIMIT_EXCEEDED.code(), "One payment may be at most " + config.maxAmount() + " JPY; this one is "
                        + movement.amount() + " JPY.",
                Map.of("amount", movement.amount(), "limit", config.maxAmount()));
    }

    private Decision.Reason daily(MoneyMovement movement) {
        return new Decision.Reason("daily-limit", Decision.Outcome.DENY, DAILY_LIMIT_EXCEEDED.status(),
                DAILY_LIMIT_EXCEEDED.code(), dailyLimitExceeded().getMessage(),
                Map.of("amount", movement.amount(), "limit", config.dailyLimit()));
    }

    /**
     * All of a group's day totals in one statement, in customer order (so two groups never wait for each other's rows
     * in opposite orders): a customer whose total would pass the limit is the row the upsert does not return.
     */
    @Override
    public Uni<List<Decision>> judgeAll(SqlConnection tx, List<MoneyMovement> movements) {
        List<Decision> decisions = new ArrayList<>(movements.size());
        List<MoneyMovement> counted = new ArrayList<>();
        for (MoneyMovement movement : movements) {
            Decision.Reason refused = movement.amount() > config.maxAmount()
                    ? perPayment(movement)
                    : movement.amount() > config.dailyLimit() ? daily(movement) : null;
            decisions.add(refused == null
                    ? null
                    : new Decision(TimeOrderedUuid.next(), Decision.Outcome.DENY, List.of(refused)));
            if (refused == null) {
                counted.add(movement);
            }
        }
        if (counted.isEmpty()) {
            return Uni.createFrom().item(decisions);
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
                        if (decisions.get(i) == null) {
                            MoneyMovement movement = movements.get(i);
                            decisions.set(i, admitted.contains(movement.customerId())
                                    ? new Decision(TimeOrderedUuid.next(), Decision.Outcome.ALLOW, List.of())
                                    : new Decision(TimeOrderedUuid.next(), Decision.Outcome.DENY,
                                            List.of(daily(movement))));
                        }
                    }
                    return decisions;
                });
    }

    @Override
    public Uni<Void> releaseAll(SqlConnection tx, List<MoneyMovement> movements) {
        if (movements.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("UPDATE customer_day_total t SET total = greatest(t.total - v.amount, 0) "
                + "FROM unnest($1::text[], $2::date[], $3::bigint[]) AS v(customer_id, day, amount) "
                + "WHERE t.customer_id = v.customer_id AND t.day = v.day")
                .execute(Tuple.of(movements.stream().map(MoneyMovement::customerId).toArray(String[]::new),
                        movements.stream().map(Limits::day).toArray(LocalDate[]::new),
                        movements.stream().map(MoneyMovement::amount).toArray(Long[]::new)))
                .replaceWithVoid();
    }

    private static LocalDate day(MoneyMovement movement) {
        return movement.at().atZone(BUSINESS_ZONE).toLocalDate();
    }
}
