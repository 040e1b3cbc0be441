package io.kessai.bench;

import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What one closed-loop run measured: successes (the workload's success status), expected refusals by status,
 * errors (any other answer or no answer), the wall time until the last worker stopped, the successes answered
 * within the run's duration (its window), and the latencies of the successes and of the refusals in microseconds.
 */
record LoadResult(String label, int workers, long successes, long errors, double seconds, double windowSeconds,
        long successesInWindow, Histogram latencyMicros, Map<Integer, Long> refusals, Histogram refusalLatencyMicros,
        Map<String, Long> errorSamples) {

    /** Successes per second until the last request sent in the window was answered. */
    double perSecond() {
        return successes / seconds;
    }

    /**
     * Successes answered within the window per second of it: unlike {@link #perSecond()}, the time to drain what was
     * still queued at the end does not count (with a deep server-side queue that drain is long).
     */
    double windowPerSecond() {
        return successesInWindow / windowSeconds;
    }

    /** Time from the end of the window until the last request sent in it was answered. */
    double drainSeconds() {
        return Math.max(0, seconds - windowSeconds);
    }

    double percentileMs(double percentile) {
        return percentileMs(latencyMicros, percentile);
    }

    double maxMs() {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
    }

    /** How many answers had this refusal status. */
    long refused(int status) {
        return refusals.getOrDefault(status, 0L);
    }

    double refusalPercentileMs(double percentile) {
        return percentileMs(refusalLatencyMicros, percentile);
    }

    static double percentileMs(Histogram micros, double percentile) {
        return micros.getTotalCount() == 0 ? Double.NaN : micros.getValueAtPercentile(percentile) / 1000.0;
    }
}
