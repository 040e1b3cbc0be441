package io.kessai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the risk engine cost, from payment-service's Prometheus metrics and PostgreSQL's statement statistics: the wall
 * time of its judgements ({@code kessai_risk_judge_seconds}, one per group of payments, its statements and the waits
 * for them included), the time of its rules ({@code kessai_risk_rules_seconds}: pure code on the event loop, so CPU in
 * payment-service), the time PostgreSQL spent executing its statements (pg_stat_statements: CPU in PostgreSQL's
 * backends, lock waits aside) and the payments the groups carried ({@code kessai_payment_groups_payments}). The
 * difference over a segment is its cost per payment there; its CPU is the rules' plus the statements'.
 */
record RiskCost(double judgeSeconds, double judgements, double rulesSeconds, double statementMillis,
        double payments) {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^(kessai_risk_judge_seconds_sum|"
            + "kessai_risk_judge_seconds_count|kessai_risk_rules_seconds_sum|kessai_payment_groups_payments_sum)"
            + "(?:\\{[^}]*})?\\s+(\\S+)$");

    static final RiskCost NONE = new RiskCost(0, 0, 0, 0, 0);

    /**
     * The counters now, or null when the metrics or the statement statistics cannot be read (the figures are then
     * reported as unknown).
     */
    static RiskCost read(HttpClient http, URI paymentUrl, PostgresServer postgres) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(paymentUrl.resolve("/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            double statementMillis = postgres.riskStatementMillis();
            if (response.statusCode() != 200 || statementMillis < 0) {
                return null;
            }
            double seconds = 0;
            double judgements = 0;
            double rules = 0;
            double payments = 0;
            Matcher sample = SAMPLE.matcher(response.body());
            while (sample.find()) {
                double value = Double.parseDouble(sample.group(2));
                switch (sample.group(1)) {
                    case "kessai_risk_judge_seconds_sum" -> seconds += value;
                    case "kessai_risk_judge_seconds_count" -> judgements += value;
                    case "kessai_risk_rules_seconds_sum" -> rules += value;
                    default -> payments += value;
                }
            }
            return new RiskCost(seconds, judgements, rules, statementMillis, payments);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** What happened between {@code before} and {@code after}, or null when either is unknown. */
    static RiskCost between(RiskCost before, RiskCost after) {
        return before == null || after == null
                ? null
                : new RiskCost(after.judgeSeconds - before.judgeSeconds, after.judgements - before.judgements,
                        after.rulesSeconds - before.rulesSeconds, after.statementMillis - before.statementMillis,
                        after.payments - before.payments);
    }

    /** This and {@code other} together (two stretches of time, one after the other). */
    RiskCost plus(RiskCost other) {
        return new RiskCost(judgeSeconds + other.judgeSeconds, judgements + other.judgements,
                rulesSeconds + other.rulesSeconds, statementMillis + other.statementMillis, payments + other.payments);
    }

    /** Milliseconds of judgement per payment judged. */
    double millisPerPayment() {
        return payments == 0 ? Double.NaN : judgeSeconds * 1000 / payments;
    }

    /** Microseconds of CPU per payment judged: the rules in payment-service plus the statements in PostgreSQL. */
    double cpuMicrosPerPayment() {
        return payments == 0 ? Double.NaN : (rulesSeconds * 1_000_000 + statementMillis * 1000) / payments;
    }

    /** A line for the report. */
    String summary() {
        return String.format(Locale.ROOT, "%,.0f payments judged in %,.0f groups; wall time %.3f ms per payment, "
                + "%.2f ms per group (in payment-service, its statements and the waits for them included); CPU %.0f µs "
                + "per payment (rules %.1f µs in payment-service, statements %.0f µs in PostgreSQL)", payments,
                judgements, millisPerPayment(), judgements == 0 ? Double.NaN : judgeSeconds * 1000 / judgements,
                cpuMicrosPerPayment(), payments == 0 ? Double.NaN : rulesSeconds * 1_000_000 / payments,
                payments == 0 ? Double.NaN : statementMillis * 1000 / payments);
    }
}
