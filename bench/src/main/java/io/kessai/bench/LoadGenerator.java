package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * A closed-loop load of payments: each worker sends one transfer, waits for the answer, then sends the next, over its
 * own kept-alive connection, so the offered load adapts to what the service sustains.
 */
final class LoadGenerator {

    /** Distinct error answers kept as examples; the rest are only counted. */
    private static final int ERROR_SAMPLES = 5;

    private final URI walletUrl;
    private final ServiceToken token;
    private final LedgerSetup.Accounts accounts;
    private final int workers;
    private final AtomicLong references = new AtomicLong();

    LoadGenerator(URI walletUrl, ServiceToken token, LedgerSetup.Accounts accounts, int workers) {
        this.walletUrl = walletUrl;
        this.token = token;
        this.accounts = accounts;
        this.workers = workers;
    }

    LoadResult run(Scenario scenario, Duration duration) throws InterruptedException {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + duration.toNanos();
        List<Worker> running = new ArrayList<>(workers);
        Map<String, Long> errorSamples = new ConcurrentHashMap<>();
        for (int i = 0; i < workers; i++) {
            Worker worker = new Worker(scenario, deadlineNs, errorSamples);
            worker.thread = Thread.ofPlatform().name("bench-worker-" + i).start(worker);
            running.add(worker);
        }
        Histogram latencies = new Histogram(3);
        long transfers = 0;
        long errors = 0;
        for (Worker worker : running) {
            worker.thread.join();
            latencies.add(worker.latencies);
            transfers += worker.transfers;
            errors += worker.errors;
        }
        // Requests sent before the deadline finish after it: count the time until the last one answered.
        double seconds = (System.nanoTime() - startNs) / 1e9;
        return new LoadResult(scenario, transfers, errors, seconds, latencies, Map.copyOf(errorSamples));
    }

    /** One closed loop; its counters are read only after its thread ended. */
    private final class Worker implements Runnable {

        private final Scenario scenario;
        private final long deadlineNs;
        private final Map<String, Long> errorSamples;
        private final Histogram latencies = new Histogram(3); // microseconds, resized as needed
        private long transfers;
        private long errors;
        private Thread thread;

        Worker(Scenario scenario, long deadlineNs, Map<String, Long> errorSamples) {
            this.scenario = scenario;
            this.deadlineNs = deadlineNs;
            this.errorSamples = errorSamples;
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            List<String> customers = accounts.customers();
            // One client per worker: with synchronous sends it holds exactly one HTTP/1.1 connection.
            try (HttpClient http = WalletClient.newHttpClient()) {
                WalletClient wallet = new WalletClient(http, walletUrl, token);
                while (System.nanoTime() < deadlineNs) {
                    String from = customers.get(random.nextInt(customers.size()));
                    String to = scenario.merchant(accounts.merchants(), random);
                    long sentNs = System.nanoTime();
                    try {
                        HttpResponse<String> response = wallet.transfer("payment",
                                "bench-" + references.incrementAndGet(), from, to, 1);
                        if (response.statusCode() == 201) {
                            latencies.recordValue((System.nanoTime() - sentNs) / 1_000);
                            transfers++;
                        } else {
                            error(response.statusCode() + " " + Json.abbreviate(response.body(), 200));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (Exception e) {
                        error("no answer: " + e);
                    }
                }
            }
        }

        private void error(String sample) {
            errors++;
            if (errorSamples.size() < ERROR_SAMPLES || errorSamples.containsKey(sample)) {
                errorSamples.merge(sample, 1L, Long::sum);
            }
        }
    }
}
