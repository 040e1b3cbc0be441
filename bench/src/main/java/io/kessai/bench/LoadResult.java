package io.kessai.bench;

import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What one closed-loop run measured: successes (the workload's success status), expected refusals by status,
 * errors (any other answer or no answer), the wall time until the last worker stopped, and the latencies of the
 * successes and of the refusals in microseconds.
 */
record LoadResult(String label, int workers, long successes, long errors, double seconds, Histogram latencyMicros,
        Map<Integer, Long> refusals, Histogram refusalLatencyMicros, Map<String, Long> errorSamples) {

    double perSecond() {
        return successes / seconds;
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
