package io.kessai.payment.settlement;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * A statement as CSV (RFC 4180: CRLF line ends, a header line, fields quoted when they hold a comma, quote or line
 * break; UTF-8; times ISO-8601 in JST): one row per line, then one {@code total} row per figure, its name in {@code reference}.
 */
final class StatementCsv {

    static final String MEDIA_TYPE = "text/csv; charset=UTF-8; header=present";
    static final String HEADER = "business_date,type,id,payment_id,store_id,reference,amount,currency,at,transfer";

    private StatementCsv() {
    }

    static String of(Statements.Statement statement) {
        StringBuilder csv = new StringBuilder(HEADER).append("\r\n");
        String day = statement.businessDate().toString();
        for (Statements.Line line : statement.lines()) {
            row(csv, day, line.type(), line.id(), line.paymentId(), line.storeId(), line.reference(), line.amount(),
                    statement.currency(), line.at(), line.transfer());
        }
        Statements.Totals totals = statement.totals();
        List<Object[]> figures = List.of(new Object[]{"gross", totals.gross()},
                new Object[]{"refunds", totals.refunds()}, new Object[]{"cancels", totals.cancels()},
                new Object[]{"fees", totals.fees()}, new Object[]{"net", totals.net()});
        for (Object[] figure : figures) {
            row(csv, day, "total", null, null, null, figure[0], figure[1], statement.currency(), null, null);
        }
        return csv.toString();
    }

    private static void row(StringBuilder csv, Object... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                csv.append(',');
            }
            csv.append(field(fields[i]));
        }
        csv.append("\r\n");
    }

    static String field(Object value) {
        if (value == null) {
            return "";
        }
        String text = value instanceof OffsetDateTime at
                ? DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at)
                : value.toString();
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\r') < 0 && text.indexOf('\n') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
