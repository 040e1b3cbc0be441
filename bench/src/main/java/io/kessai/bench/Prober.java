package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.HdrHistogram.Histogram;

/**
 * Asks a cheap endpoint again and again on one kept-alive connection, with a pause between answers, while a load
 * runs: its latency shows whether the load starves the rest of the service.
 */
final class Prober implements AutoCloseable {

    /** What the probes saw: answers 200 (with their latency in microseconds) and anything else. */
    record Result(String path, long answered, long failed, Histogram micros) {

        double percentileMs(double percentile) {
            return LoadResult.percentileMs(micros, percentile);
        }

        double maxMs() {
            return micros.getTotalCount() == 0 ? Double.NaN : micros.getMaxValue() / 1000.0;
        }
    }

    private final URI url;
    private final Duration pause;
    private final Thread thread;
    private final Histogram micros = new Histogram(3);
    private volatile boolean stopping;
    private long answered;
    private long failed;

    private Prober(URI url, Duration pause) {
        this.url = url;
        this.pause = pause;
        this.thread = Thread.ofPlatform().name("bench-probe").start(this::probe);
    }

    /** Starts probing {@code url} with {@code pause} between an answer and the next request. */
    static Prober start(URI url, Duration pause) {
        return new Prober(url, pause);
    }

    /** Stops after the probe in flight and returns what was seen. */
    Result stop() throws InterruptedException {
        stopping = true;
        thread.join();
        return new Result(url.getPath(), answered, failed, micros);
    }

    @Override
    public void close() throws InterruptedException {
        if (!stopping) {
            stop();
        }
    }

    private void probe() {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build();
        try (HttpClient http = WalletClient.newHttpClient()) {
            while (!stopping) {
                long sentNs = System.nanoTime();
                try {
                    HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 200) {
                        micros.recordValue((System.nanoTime() - sentNs) / 1_000);
                        answered++;
                    } else {
                        failed++;
                    }
                } catch (java.io.IOException e) {
                    failed++;
                }
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
