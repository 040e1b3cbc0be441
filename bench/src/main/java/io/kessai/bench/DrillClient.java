package io.kessai.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The drill's correct client: it sends an operation's request, and while the answer says "not now" (a connection
 * error, a timeout, 503 or 429) sends the very same request again (same key, same body: the supplier must build it so)
 * after the {@code Retry-After} the refusal carried (at most {@link #MAX_RETRY_AFTER}; {@link #DEFAULT_RETRY_AFTER}
 * when absent or after a connection error or a timeout, with a little jitter), until {@link #DEADLINE} after the first
 * attempt; any other answer ends the operation. It counts what happened, per operation and overall, thread-safely, in
 * a window that {@link #take()} hands over and starts afresh (a fault's window), and in a total since the start.
 */
final class DrillClient {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEADLINE = Duration.ofSeconds(60);
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** The status of an operation that got no final answer before its deadline. */
    static final int GIVEN_UP = -1;
    private static final int SAMPLES = 10;
    private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (name, value) -> true);

    /**
     * How an operation ended: the final answer's status (or {@link #GIVEN_UP}, then {@code body} says what the last
     * attempt got), body and headers, how many attempts it took and how long from the first attempt to the end.
     */
    record Outcome(int status, String body, HttpHeaders headers, int attempts, Duration latency) {

        boolean givenUp() {
            return status == GIVEN_UP;
        }

        /** A 2xx: the service acknowledged the operation. */
        boolean acknowledged() {
            return status >= 200 && status < 300;
        }

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /**
     * What a window saw, overall or for one operation. {@code operations}: operations started; {@code attempts}:
     * requests sent (retries included); {@code answers}: every answer by status, retried ones included;
     * {@code finals}: how operations ended, by final status ({@link #GIVEN_UP} for the given-up);
     * {@code refusedByStatus}: the 503 and 429 answers; {@code refusalsWithoutRetryAfter} of them carried no
     * {@code Retry-After} (a violation), {@code violationSamples} names a few; {@code failedOtherwise}: 5xx answers
     * other than 503; time to refuse and time to acknowledge in milliseconds (NaN when none);
     * {@code longestUnavailable}: the longest stretch with no 2xx answer, the window's start and end included.
     */
    record Window(Duration window, long operations, long attempts, long acknowledged, Map<Integer, Long> answers,
            Map<Integer, Long> finals, long connectionErrors, long timeouts, Map<Integer, Long> refusedByStatus,
            long refusalsWithoutRetryAfter, List<String> violationSamples, long failedOtherwise, long givenUp,
            double refuseP50Ms, double refuseP99Ms, double refuseMaxMs, double ackP50Ms, double ackP99Ms,
            double ackMaxMs, Duration longestUnavailable, Map<String, Window> byOperation) {

        /** Operations started in the window. */
        long sent() {
            return operations;
        }

        long gaveUp() {
            return givenUp;
        }

        double unavailableSeconds() {
            return longestUnavailable.toMillis() / 1000.0;
        }

        long refused() {
            return refusedByStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        String summary() {
            return String.format(java.util.Locale.ROOT, "%,d operations (%,d requests): %,d acknowledged, refused %s,"
                    + " %,d failed otherwise, %,d given up, %,d connection errors, %,d timeouts; time to refuse p50"
                    + " %.1f ms p99 %.1f ms max %.1f ms; %,d refusals without Retry-After; unavailable at most %.1f s",
                    operations, attempts, acknowledged, refusedByStatus, failedOtherwise, givenUp, connectionErrors,
                    timeouts, refuseP50Ms, refuseP99Ms, refuseMaxMs, refusalsWithoutRetryAfter,
                    longestUnavailable.toMillis() / 1000.0);
        }
    }

    /** The counts of one operation (or of all) in one window. */
    private static final class Counts {

        final LongAdder operations = new LongAdder();
        final LongAdder attempts = new LongAdder();
        final LongAdder acknowledged = new LongAdder();
        final Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
        final Map<Integer, LongAdder> finals = new ConcurrentHashMap<>();
        final LongAdder connectionErrors = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final Map<Integer, LongAdder> refused = new ConcurrentHashMap<>();
        final LongAdder withoutRetryAfter = new LongAdder();
        final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        final LongAdder failedOtherwise = new LongAdder();
        final LongAdder givenUp = new LongAdder();
        final Histogram refuseMicros = new ConcurrentHistogram(3_600_000_000L, 3);
        final Histogram ackMicros = new ConcurrentHistogram(3_600_000_000L, 3);
        final AtomicLong lastSuccessNs;
        final AtomicLong longestGapNs = new AtomicLong();

        Counts(long startNs) {
            lastSuccessNs = new AtomicLong(startNs);
        }

        void succeeded(long nowNs) {
            long previous = lastSuccessNs.getAndAccumulate(nowNs, Math::max);
            if (nowNs > previous) {
                longestGapNs.accumulateAndGet(nowNs - previous, Math::max);
            }
        }

        Window tally(Duration window, long endNs, Map<String, Window> byOperation) {
            long longest = Math.max(longestGapNs.get(), endNs - lastSuccessNs.get());
            return new Window(window, operations.sum(), attempts.sum(), acknowledged.sum(), sums(answers),
                    sums(finals), connectionErrors.sum(), timeouts.sum(), sums(refused), withoutRetryAfter.sum(),
                    List.copyOf(samples), failedOtherwise.sum(), givenUp.sum(), percentileMs(refuseMicros, 50),
                    percentileMs(refuseMicros, 99), maxMs(refuseMicros), percentileMs(ackMicros, 50),
                    percentileMs(ackMicros, 99), maxMs(ackMicros), Duration.ofNanos(Math.max(0, longest)),
                    byOperation);
        }
    }

    /** One window: the counts overall and per operation since it began. */
    private static final class Span {

        final long startNs = System.nanoTime();
        final Counts all = new Counts(startNs);
        final Map<String, Counts> byOperation = new ConcurrentHashMap<>();

        Counts of(String operation) {
            return byOperation.computeIfAbsent(operation, name -> new Counts(startNs));
        }

        Window tally(long endNs) {
            Duration length = Duration.ofNanos(endNs - startNs);
            Map<String, Window> operations = new TreeMap<>();
            byOperation.forEach((name, counts) -> operations.put(name, counts.tally(length, endNs, Map.of())));
            return all.tally(length, endNs, operations);
        }
    }

    private final HttpClient http;
    private final Span total = new Span();
    private final AtomicReference<Span> window = new AtomicReference<>(new Span());

    DrillClient(HttpClient http) {
        this.http = http;
    }

    /** A request builder with the drill's request timeout. */
    static HttpRequest.Builder request(java.net.URI uri) {
        return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
    }

    /**
     * Sends {@code operation}'s request until it is answered with something else than 503/429 or the deadline passes.
     * {@code request} is asked for the request before each attempt (so that a renewed token goes out) and must give
     * the same key and body every time.
     */
    Outcome send(String operation, Supplier<HttpRequest> request) throws InterruptedException {
        Span current = window.get();
        List<Counts> counts = List.of(current.all, current.of(operation), total.all, total.of(operation));
        counts.forEach(c -> c.operations.increment());
        long startNs = System.nanoTime();
        long deadlineNs = startNs + DEADLINE.toNanos();
        int attempts = 0;
        String last = "not sent";
        HttpHeaders lastHeaders = NO_HEADERS;
        while (true) {
            attempts++;
            counts.forEach(c -> c.attempts.increment());
            HttpRequest sent = request.get();
            long attemptNs = System.nanoTime();
            Duration wait = DEFAULT_RETRY_AFTER;
            try {
                HttpResponse<String> answer = http.send(sent, HttpResponse.BodyHandlers.ofString());
                long nowNs = System.nanoTime();
                int status = answer.statusCode();
                counts.forEach(c -> c.answers.computeIfAbsent(status, s -> new LongAdder()).increment());
                if (status == 503 || status == 429) {
                    Optional<String> retryAfter = answer.headers().firstValue("Retry-After");
                    long micros = (nowNs - attemptNs) / 1000;
                    for (Counts c : counts) {
                        c.refused.computeIfAbsent(status, s -> new LongAdder()).increment();
                        c.refuseMicros.recordValue(Math.max(0, micros));
                        if (retryAfter.isEmpty()) {
                            c.withoutRetryAfter.increment();
                            if (c.samples.size() < SAMPLES) {
                                c.samples.add(operation + ": " + sent.method() + " " + sent.uri().getPath() + " "
                                        + status + " " + Json.abbreviate(answer.body(), 120));
                            }
                        }
                    }
                    wait = retryAfter.map(DrillClient::retryAfter).orElse(DEFAULT_RETRY_AFTER);
                    last = status + " " + Json.abbreviate(answer.body(), 200);
                    lastHeaders = answer.headers();
                } else {
                    if (status >= 500) {
                        counts.forEach(c -> c.failedOtherwise.increment());
                    }
                    if (status >= 200 && status < 300) {
                        long micros = (nowNs - startNs) / 1000;
                        for (Counts c : counts) {
                            c.acknowledged.increment();
                            c.ackMicros.recordValue(Math.max(0, micros));
                            c.succeeded(nowNs);
                        }
                    }
                    counts.forEach(c -> c.finals.computeIfAbsent(status, s -> new LongAdder()).increment());
                    return new Outcome(status, answer.body(), answer.headers(), attempts,
                            Duration.ofNanos(nowNs - startNs));
                }
            } catch (HttpConnectTimeoutException e) {
                counts.forEach(c -> c.connectionErrors.increment());
                last = "connection timed out: " + e.getMessage();
            } catch (HttpTimeoutException e) {
                counts.forEach(c -> c.timeouts.increment());
                last = "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
            } catch (IOException e) {
                counts.forEach(c -> c.connectionErrors.increment());
                last = "connection error: " + e;
            }
            long jitter = ThreadLocalRandom.current().nextLong(wait.toNanos() / 5 + 1);
            long resumeNs = System.nanoTime() + wait.toNanos() + jitter;
            if (resumeNs >= deadlineNs) {
                counts.forEach(c -> {
                    c.givenUp.increment();
                    c.finals.computeIfAbsent(GIVEN_UP, s -> new LongAdder()).increment();
                });
                return new Outcome(GIVEN_UP, last, lastHeaders, attempts, Duration.ofNanos(System.nanoTime()
                        - startNs));
            }
            Thread.sleep(Duration.ofNanos(resumeNs - System.nanoTime()).toMillis() + 1);
        }
    }

    /** The current window so far, without ending it. */
    Window snapshot() {
        return window.get().tally(System.nanoTime());
    }

    /**
     * Ends the current window and starts the next: what the ended one saw. An operation in flight when it is taken
     * counts on in the window it started in (its end lands in the ended one, and is lost to the report).
     */
    Window take() {
        Span ended = window.getAndSet(new Span());
        return ended.tally(System.nanoTime());
    }

    /** Starts a fresh window, dropping what the current one saw. */
    void reset() {
        window.set(new Span());
    }

    /** Everything since this client was made. */
    Window total() {
        return total.tally(System.nanoTime());
    }

    /** {@code Retry-After} as seconds or an HTTP date, capped at {@link #MAX_RETRY_AFTER}; unreadable: the default. */
    static Duration retryAfter(String value) {
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(value.strip()));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value.strip(),
                        DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (RuntimeException notADate) {
                wait = DEFAULT_RETRY_AFTER;
            }
        }
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
    }

    private static Map<Integer, Long> sums(Map<Integer, LongAdder> counts) {
        Map<Integer, Long> sums = new TreeMap<>();
        counts.forEach((status, count) -> sums.put(status, count.sum()));
        return sums;
    }

    private static double percentileMs(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double maxMs(Histogram histogram) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getMaxValue() / 1000.0;
    }
}
