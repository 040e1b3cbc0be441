package io.kessai.payment.risk;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The engine's running totals: spending per business day in {@code customer_day_total} (part 1's table), the rest in
 * {@code customer_period_total}. A total is raised only if it stays within its limit, in one conditional upsert for a
 * whole group, in customer order (so two groups never wait for each other's rows in opposite orders).
 */
final class Totals {

    /** One customer's share of one total: the period (a day, or a month's first day) and the yen. */
    record Entry(String customerId, LocalDate period, long amount) {
    }

    private Totals() {
    }

    /** Raises each entry's total unless it would pass {@code limit}; the customers whose totals were raised. */
    static Uni<Set<String>> raise(SqlConnection tx, RiskEngine.Counter counter, List<Entry> entries, long limit) {
        String sql = counter == RiskEngine.Counter.SPEND_DAY
                ? "INSERT INTO customer_day_total AS t (customer_id, day, total) SELECT v.customer_id, v.period, "
                        + "v.amount FROM unnest($1::text[], $2::date[], $3::bigint[]) AS v(customer_id, period, amount) "
                        + "ORDER BY v.customer_id ON CONFLICT (customer_id, day) DO UPDATE SET total = t.total "
                        + "+ EXCLUDED.total WHERE t.total + EXCLUDED.total <= $4 RETURNING customer_id"
                : "INSERT INTO customer_period_total AS t (customer_id, counter, period, total) SELECT v.customer_id, "
                        + "$5, v.period, v.amount FROM unnest($1::text[], $2::date[], $3::bigint[]) "
                        + "AS v(customer_id, period, amount) ORDER BY v.customer_id "
                        + "ON CONFLICT (customer_id, counter, period) DO UPDATE SET total = t.total + EXCLUDED.total "
                        + "WHERE t.total + EXCLUDED.total <= $4 RETURNING customer_id";
        Tuple values = Tuple.of(entries.stream().map(Entry::customerId).toArray(String[]::new),
                entries.stream().map(Entry::period).toArray(LocalDate[]::new),
                entries.stream().map(Entry::amount).toArray(Long[]::new), limit);
        if (counter != RiskEngine.Counter.SPEND_DAY) {
            values.addString(counter.wire);
        }
        return tx.preparedQuery(sql).execute(values).map(rows -> {
            Set<String> raised = new HashSet<>();
            rows.forEach(row -> raised.add(row.getString("customer_id")));
            return raised;
        });
    }

    /** Lowers each entry's total by its amount (never below zero): a movement given back. */
    static Uni<Void> lower(SqlConnection tx, RiskEngine.Counter counter, List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // One row per total: an UPDATE ... FROM applies one matching row only.
        java.util.Map<String, Entry> summed = new java.util.LinkedHashMap<>();
        for (Entry entry : entries) {
            summed.merge(entry.customerId() + "\n" + entry.period(), entry, (a, b) -> new Entry(a.customerId(),
                    a.period(), a.amount() + b.amount()));
        }
        entries = List.copyOf(summed.values());
        String sql = counter == RiskEngine.Counter.SPEND_DAY
                ? "UPDATE customer_day_total t SET total = greatest(t.total - v.amount, 0) FROM unnest($1::text[], "
                        + "$2::date[], $3::bigint[]) AS v(customer_id, period, amount) WHERE t.customer_id = "
                        + "v.customer_id AND t.day = v.period"
                : "UPDATE customer_period_total t SET total = greatest(t.total - v.amount, 0) FROM unnest($1::text[], "
                        + "$2::date[], $3::bigint[]) AS v(customer_id, period, amount) WHERE t.customer_id = "
                        + "v.customer_id AND t.period = v.period AND t.counter = $4";
        Tuple values = Tuple.of(entries.stream().map(Entry::customerId).toArray(String[]::new),
                entries.stream().map(Entry::period).toArray(LocalDate[]::new),
                entries.stream().map(Entry::amount).toArray(Long[]::new));
        if (counter != RiskEngine.Counter.SPEND_DAY) {
            values.addString(counter.wire);
        }
        return tx.preparedQuery(sql).execute(values).replaceWithVoid();
    }
}
