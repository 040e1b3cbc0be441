package io.kessai.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.kessai.stack.Service;

/**
 * After the loads: every payment payment-service acknowledged (201 or 202) is recorded exactly once under its
 * customer and key, every 201 is completed, and the completed payments and wallet-service's payment transfers are the
 * same set (no payment booked twice, none missing, none booked without a payment). Read straight from the two
 * services' databases, after the reconciler has settled what was pending.
 */
final class PaymentChecks {

    /** What the check found; {@link #ok()} is false for anything lost or doubled. */
    record Result(long acknowledged, long acknowledgedPending, long missing, long notCompleted, long duplicateKeys,
            long stillPending, long pendingCompleted, long pendingFailed, long completedPayments,
            long ledgerPaymentTransfers, long completedWithoutTransfer, long transfersWithoutPayment,
            double settleSeconds) {

        boolean ok() {
            return missing == 0 && notCompleted == 0 && duplicateKeys == 0 && completedWithoutTransfer == 0
                    && transfersWithoutPayment == 0;
        }

        String summary() {
            return String.format("%,d acknowledged (%,d of them 202 pending: %,d completed since, %,d failed, %,d still"
                    + " pending after %.0f s); missing %,d, 201 not completed %,d, keys acknowledged twice %,d;"
                    + " %,d completed payments, %,d payment transfers in the ledger, completed without a transfer"
                    + " %,d, transfers without a completed payment %,d", acknowledged, acknowledgedPending,
                    pendingCompleted, pendingFailed, stillPending, settleSeconds, missing, notCompleted,
                    duplicateKeys, completedPayments, ledgerPaymentTransfers, completedWithoutTransfer,
                    transfersWithoutPayment);
        }
    }

    private PaymentChecks() {
    }

    static Result check(PostgresServer postgres, List<PaymentLoad.Ack> acks, SessionTokens customers,
            Duration settleWait) throws Exception {
        long startNs = System.nanoTime();
        try (Connection payment = postgres.connect(Service.PAYMENT.database());
                Connection wallet = postgres.connect(Service.WALLET.database())) {
            long stillPending = awaitSettled(payment, settleWait);
            double settleSeconds = (System.nanoTime() - startNs) / 1e9;
            try (Statement statement = payment.createStatement()) {
                statement.execute("CREATE TEMPORARY TABLE bench_ack (customer_id text, idempotency_key text,"
                        + " status int)");
            }
            try (PreparedStatement insert = payment.prepareStatement("INSERT INTO bench_ack VALUES (?, ?, ?)")) {
                int batched = 0;
                for (PaymentLoad.Ack ack : acks) {
                    insert.setString(1, customers.subject(ack.customer()));
                    insert.setString(2, ack.key());
                    insert.setInt(3, ack.status());
                    insert.addBatch();
                    if (++batched % 5_000 == 0) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            String joined = " FROM bench_ack a LEFT JOIN payment p ON p.customer_id = a.customer_id"
                    + " AND p.idempotency_key = a.idempotency_key";
            long missing = count(payment, "SELECT count(*)" + joined + " WHERE p.id IS NULL");
            long notCompleted = count(payment, "SELECT count(*)" + joined
                    + " WHERE a.status = 201 AND p.status IS DISTINCT FROM 'completed'");
            long pendingCompleted = count(payment, "SELECT count(*)" + joined
                    + " WHERE a.status = 202 AND p.status = 'completed'");
            long pendingFailed = count(payment, "SELECT count(*)" + joined
                    + " WHERE a.status = 202 AND p.status = 'failed'");
            long duplicateKeys = count(payment, "SELECT count(*) FROM (SELECT 1 FROM bench_ack"
                    + " GROUP BY customer_id, idempotency_key HAVING count(*) > 1) twice");
            long acknowledgedPending = acks.stream().filter(ack -> ack.status() == 202).count();
            Set<String> completed = ids(payment, "SELECT transfer_id::text FROM payment WHERE status = 'completed'");
            Set<String> transfers = ids(wallet, "SELECT id::text FROM transfer WHERE kind = 'payment'");
            Set<String> withoutTransfer = new HashSet<>(completed);
            withoutTransfer.removeAll(transfers);
            Set<String> withoutPayment = new HashSet<>(transfers);
            withoutPayment.removeAll(completed);
            return new Result(acks.size(), acknowledgedPending, missing, notCompleted, duplicateKeys, stillPending,
                    pendingCompleted, pendingFailed, completed.size(), transfers.size(), withoutTransfer.size(),
                    withoutPayment.size(), settleSeconds);
        }
    }

    /** Waits until no payment is pending (the reconciler settles unknown outcomes), at most {@code wait}. */
    private static long awaitSettled(Connection payment, Duration wait) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long pending = count(payment, "SELECT count(*) FROM payment WHERE status = 'pending'");
            if (pending == 0 || System.nanoTime() > deadline) {
                return pending;
            }
            Thread.sleep(500);
        }
    }

    private static long count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static Set<String> ids(Connection connection, String sql) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }
}
