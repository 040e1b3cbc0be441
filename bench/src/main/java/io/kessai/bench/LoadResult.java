package io.kessai.bench;

import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What one closed-loop run measured: booked transfers (201), errors (any other answer or no answer), the wall time
 * until the last worker stopped, and the latencies of the booked transfers in microseconds.
 */
record LoadResult(Scenario scenario, long transfers, long errors, double seconds, Histogram latencyMicros,
        Map<String, Long> errorSamples) {

    double transfersPerSecond() {
        return transfers / seconds;
    }

    double percentileMs(double percentile) {
        return latencyMicros.getTotalCount() == 0
                ? Double.NaN
                : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMs() {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
    }
}
