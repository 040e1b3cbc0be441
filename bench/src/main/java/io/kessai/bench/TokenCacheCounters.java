package io.kessai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wallet-service's count of bearer tokens found in its cache of verified tokens ({@code VerifiedTokens}) and of those
 * checked in full, from its Prometheus metrics: the difference over a scenario shows which path it measured.
 */
record TokenCacheCounters(double hits, double misses) {

    private static final Pattern COUNTER = Pattern.compile(
            "(?m)^kessai_token_cache_total\\{[^}]*outcome=\"(hit|miss)\"[^}]*}\\s+(\\S+)$");

    /** The counters now, or null when the metrics cannot be read (the figures are then reported as unknown). */
    static TokenCacheCounters read(HttpClient http, URI walletUrl) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(walletUrl.resolve("/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            double hits = 0;
            double misses = 0;
            Matcher counter = COUNTER.matcher(response.body());
            while (counter.find()) {
                double value = Double.parseDouble(counter.group(2));
                if (counter.group(1).equals("hit")) {
                    hits += value;
                } else {
                    misses += value;
                }
            }
            return new TokenCacheCounters(hits, misses);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** What happened between {@code before} and {@code after}, or null when either is unknown. */
    static TokenCacheCounters between(TokenCacheCounters before, TokenCacheCounters after) {
        return before == null || after == null
                ? null
                : new TokenCacheCounters(after.hits - before.hits, after.misses - before.misses);
    }

    /** Share of the requests answered from the cache. */
    double hitRatio() {
        double total = hits + misses;
        return total == 0 ? Double.NaN : hits / total;
    }
}
