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
 * What the risk engine cost payment-service, from its Prometheus metrics: the time of its judgements
 * ({@code kessai_risk_judge_seconds}, one per group of payments, its statements included) and the payments the groups
 * carried ({@code kessai_payment_groups_payments}); the difference over a Gatling run is its cost per payment there.
 */
record RiskCost(double judgeSeconds, double judgements, double payments) {

    private static final Pattern SAMPLE = Pattern.compile("(?m)^(kessai_risk_judge_seconds_sum|"
            + "kessai_risk_judge_seconds_count|kessai_payment_groups_payments_sum)(?:\\{[^}]*})?\\s+(\\S+)$");

    /** The counters now, or null when the metrics cannot be read (the figures are then reported as unknown). */
    static RiskCost read(HttpClient http, URI paymentUrl) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(paymentUrl.resolve("/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            double seconds = 0;
            double judgements = 0;
            double payments = 0;
            Matcher sample = SAMPLE.matcher(response.body());
            while (sample.find()) {
                double value = Double.parseDouble(sample.group(2));
                switch (sample.group(1)) {
                    case "kessai_risk_judge_seconds_sum" -> seconds += value;
                    case "kessai_risk_judge_seconds_count" -> judgements += value;
                    default -> payments += value;
                }
            }
            return new RiskCost(seconds, judgements, payments);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** What happened between {@code before} and {@code after}, or null when either is unknown. */
    static RiskCost between(RiskCost before, RiskCost after) {
        return before == null || after == null
                ? null
                : new RiskCost(after.judgeSeconds - before.judgeSeconds, after.judgements - before.judgements,
                        after.payments - before.payments);
    }

    /** This and {@code other} together (two stretches of time, one after the other). */
    RiskCost plus(RiskCost other) {
        return new RiskCost(judgeSeconds + other.judgeSeconds, judgements + other.judgements,
                payments + other.payments);
    }

    /** Milliseconds of judgement per payment judged. */
    double millisPerPayment() {
        return payments == 0 ? Double.NaN : judgeSeconds * 1000 / payments;
    }

    /** A line for the report. */
    String summary() {
        return String.format(Locale.ROOT, "%,.0f payments judged in %,.0f groups; %.3f ms per payment, %.2f ms per "
                + "group (wall time in payment-service, its three statements included)", payments, judgements,
                millisPerPayment(), judgements == 0 ? Double.NaN : judgeSeconds * 1000 / judgements);
    }
}
