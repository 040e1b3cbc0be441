package io.kessai.payment.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.kessai.payment.Money;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A merchant's statement of one business day (midnight to midnight in Japan): every payment it was paid, every refund
 * and cancel it paid back, and the day's fee, each line with the ledger transfer that moved its money, and totals
 * whose net is what the day added to the merchant's ledger account. A line is dated when its money moved: a payment
 * when it completed, a refund when it completed, a cancel when its reversal was posted (so a payment made at 23:59
 * and canceled at 00:01 is on two statements, and a payment canceled before it ever completed on none).
 */
@ApplicationScoped
public class Statements {

    /** Business days are Japan's: JST has no daylight saving, so every day is 24 hours. */
    public static final ZoneId JST = ZoneId.of("Asia/Tokyo");

    private static final String LINES = "SELECT 'payment' AS type, p.id, p.id AS payment_id, p.store_id, "
            + "p.merchant_payment_id AS reference, p.amount, p.completed_at AS at, p.transfer_id::text AS transfer "
            + "FROM payment p WHERE p.merchant_id = $1 AND p.completed_at >= $2 AND p.completed_at < $3 "
            + "UNION ALL SELECT 'cancel', p.id, p.id, p.store_id, p.merchant_payment_id, p.amount, "
            + "p.cancel_settled_at, NULL FROM payment p WHERE p.merchant_id = $1 AND p.completed_at IS NOT NULL "
            + "AND p.cancel_settled_at >= $2 AND p.cancel_settled_at < $3 "
            + "UNION ALL SELECT 'refund', r.id, r.payment_id, p.store_id, r.merchant_refund_id, r.amount, "
            + "r.completed_at, r.transfer_id::text FROM refund r JOIN payment p ON p.id = r.payment_id "
            + "WHERE r.merchant_id = $1 AND r.status = 'completed' AND r.completed_at >= $2 AND r.completed_at < $3 "
            + "ORDER BY at, id";

    /**
     * One line. {@code amount} is signed as the merchant sees it: a payment adds, a refund, a cancel and the fee take
     * away; the fee line has no id and no time (it is the day's). {@code transfer} is the ledger transfer (its id, or for a cancel the idempotency key of its reversal).
     */
    public record Line(String type, UUID id, UUID paymentId, UUID storeId, String reference, long amount,
            OffsetDateTime at, String transfer) {
    }

    /** The day's sums (refunds, cancels and fees as positive figures) and {@code net = gross - the others}. */
    public record Totals(long gross, long refunds, long cancels, long fees, long net, int payments, int refundCount,
            int cancelCount) {
    }

    public record Statement(UUID merchantId, LocalDate businessDate, String timeZone, OffsetDateTime from,
            OffsetDateTime to, String currency, BigDecimal feeRate, Totals totals, List<Line> lines) {
    }

    private final Pool pool;
    private final SettlementConfig config;
    private final Clock clock;

    Statements(Pool pool, SettlementConfig config) {
        this.pool = pool;
        this.config = config;
        this.clock = Clock.system(JST);
    }

    /** A business day from a path or query parameter ({@code 2026-12-01}); 400 if not a date, 409 if not closed. */
    public LocalDate closedDay(String text) {
        LocalDate day;
        try {
            day = LocalDate.parse(text == null ? "" : text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalidField("businessDate", "must be a date, e.g. 2026-12-01");
        }
        if (!day.isBefore(today())) {
            throw SettlementProblem.BUSINESS_DAY_OPEN.exception("The business day " + day + " (JST) has not ended; "
                    + "its statement is ready from midnight JST.");
        }
        return day;
    }

    /** Today in Japan. */
    public LocalDate today() {
        return LocalDate.now(clock);
    }

    public Uni<Statement> of(UUID merchantId, LocalDate day) {
        return of(pool, merchantId, day);
    }

    /** The statement as {@code client} sees it (inside a transaction: as of that transaction). */
    Uni<Statement> of(SqlClient client, UUID merchantId, LocalDate day) {
        OffsetDateTime from = day.atStartOfDay(JST).toOffsetDateTime();
        OffsetDateTime to = day.plusDays(1).atStartOfDay(JST).toOffsetDateTime();
        return client.preparedQuery(LINES).execute(Tuple.of(merchantId, from, to)).map(rows -> {
            List<Line> lines = new ArrayList<>();
            for (Row row : rows) {
                lines.add(line(row));
            }
            return statement(merchantId, day, from, to, lines, config.feeRate());
        });
    }

    /** Adds the fee line and sums the day. */
    static Statement statement(UUID merchantId, LocalDate day, OffsetDateTime from, OffsetDateTime to,
            List<Line> lines, BigDecimal feeRate) {
        long gross = 0;
        long refunds = 0;
        long cancels = 0;
        int payments = 0;
        int refundCount = 0;
        int cancelCount = 0;
        for (Line line : lines) {
            switch (line.type()) {
                case "payment" -> {
                    gross += line.amount();
                    payments++;
                }
                case "refund" -> {
                    refunds -= line.amount();
                    refundCount++;
                }
                default -> {
                    cancels -= line.amount();
                    cancelCount++;
                }
            }
        }
        long fee = fee(gross - refunds - cancels, feeRate);
        List<Line> all = new ArrayList<>(lines);
        if (fee > 0) {
            all.add(new Line("fee", null, null, null, null, -fee, null, null));
        }
        Totals totals = new Totals(gross, refunds, cancels, fee, gross - refunds - cancels - fee, payments,
                refundCount, cancelCount);
        return new Statement(merchantId, day, JST.getId(), from, to, Money.YEN, feeRate, totals, List.copyOf(all));
    }

    /** The fee on a day's net sales: {@code floor(sales * rate)}, and none on sales that are not positive. */
    static long fee(long sales, BigDecimal rate) {
        if (sales <= 0) {
            return 0;
        }
        return BigDecimal.valueOf(sales).multiply(rate).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    private static Line line(Row row) {
        String type = row.getString("type");
        long amount = row.getLong("amount");
        UUID paymentId = row.getUUID("payment_id");
        String transfer = "cancel".equals(type) ? "cancel:" + paymentId : row.getString("transfer");
        return new Line(type, row.getUUID("id"), paymentId, row.getUUID("store_id"), row.getString("reference"),
                "payment".equals(type) ? amount : -amount,
                row.getOffsetDateTime("at").atZoneSameInstant(JST).toOffsetDateTime(), transfer);
    }
}
