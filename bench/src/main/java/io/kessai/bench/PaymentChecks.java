package io.kessai.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
            long ledgerPaymentTransfers, long bookedForPending, long completedWithoutTransfer,
            long transfersWithoutPayment, double settleSeconds) {

        /**
         * Nothing lost or doubled. A payment still pending whose transfer is booked is neither: its outcome is
         * unknown to payment-service until the reconciler asks wallet-service, and it is reported apart.
         */
        boolean ok() {
            return missing == 0 && notCompleted == 0 && duplicateKeys == 0 && completedWithoutTransfer == 0
                    && transfersWithoutPayment == 0;
        }

        String summary() {
            return String.format("%,d acknowledged (%,d of them 202 pending: %,d completed since, %,d failed, %,d still"
                    + " pending after %.0f s); missing %,d, 201 not completed %,d, keys acknowledged twice %,d;"
                    + " %,d completed payments, %,d payment transfers in the ledger (%,d of them for payments still"
                    + " pending); completed without their own transfer %,d, transfers for no payment or a failed one"
                    + " %,d", acknowledged, acknowledgedPending, pendingCompleted, pendingFailed, stillPending,
                    settleSeconds, missing, notCompleted, duplicateKeys, completedPayments, ledgerPaymentTransfers,
                    bookedForPending, completedWithoutTransfer, transfersWithoutPayment);
        }
    }

    private PaymentChecks() {
    }

    static Result check(PostgresServer postgres, List<PaymentLoad.Ack> acks, Duration settleWait) throws Exception {
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
                    insert.setString(1, ack.customerId());
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
            Ledger ledger = Ledger.compare(rows(payment, "SELECT id::text, status, transfer_id::text FROM payment"),
                    rows(wallet, "SELECT idempotency_key, id::text FROM transfer WHERE kind = 'payment'"));
            return new Result(acks.size(), acknowledgedPending, missing, notCompleted, duplicateKeys, stillPending,
                    pendingCompleted, pendingFailed, ledger.completed, ledger.transfers, ledger.bookedForPending,
                    ledger.completedWithoutItsTransfer, ledger.bookedWithoutPayment, settleSeconds);
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

    /** Rows of text columns. */
    private static List<String[]> rows(Connection connection, String sql) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = result.getString(i + 1);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * payment-service's payments against wallet-service's payment transfers, which payment-service posts under the
     * payment's id as idempotency key: a completed payment must name the transfer booked under its id, and a transfer
     * must belong to a payment that completed or is still pending.
     */
    private record Ledger(long completed, long transfers, long bookedForPending, long completedWithoutItsTransfer,
            long bookedWithoutPayment) {

        /** {@code payments}: id, status, transfer_id; {@code transfers}: idempotency_key, id. */
        static Ledger compare(List<String[]> payments, List<String[]> transfers) {
            Map<String, String> transferByKey = new HashMap<>();
            transfers.forEach(transfer -> transferByKey.put(transfer[0], transfer[1]));
            Map<String, String> statusById = new HashMap<>();
            long completed = 0;
            long withoutItsTransfer = 0;
            for (String[] payment : payments) {
                statusById.put(payment[0], payment[1]);
                if ("completed".equals(payment[1])) {
                    completed++;
                    if (payment[2] == null || !payment[2].equals(transferByKey.get(payment[0]))) {
                        withoutItsTransfer++;
                    }
                }
            }
            long forPending = 0;
            long withoutPayment = 0;
            for (String key : transferByKey.keySet()) {
                String status = statusById.get(key);
                if ("pending".equals(status)) {
                    forPending++;
                } else if (!"completed".equals(status)) {
                    withoutPayment++;
                }
            }
            return new Ledger(completed, transfers.size(), forPending, withoutItsTransfer, withoutPayment);
        }
    }
}
