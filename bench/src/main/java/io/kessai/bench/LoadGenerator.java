package io.kessai.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.HdrHistogram.Histogram;

/**
 * A closed-loop load ({@link #run}): each worker sends one request, waits for the answer, then sends the next, over
 * its own kept-alive connection, so the offered load adapts to what the service sustains. Or an open-loop load at a
 * fixed rate ({@link #runPaced}), for the latency a service gives below its saturation.
 */
final class LoadGenerator {

    /** Distinct error answers kept as examples; the rest are only counted. */
    private static final int ERROR_SAMPLES = 5;

    private final int workers;
    private final Supplier<LoadConnection> connections;
    private final AtomicLong sequence = new AtomicLong();

    /** Workers on the JDK's HTTP client. */
    LoadGenerator(int workers) {
        this(workers, LoadConnection::jdk);
    }

    /** {@code connections}: how each worker (or sender) opens its own connection. */
    LoadGenerator(int workers, Supplier<LoadConnection> connections) {
        this.workers = workers;
        this.connections = connections;
    }

    /**
     * Runs the workers on {@code workload} for {@code duration}. The sequence numbers the workload sees go on from
     * the previous run of this generator, so that references stay unique across scenarios.
     */
    LoadResult run(String label, Workload workload, Duration duration) throws InterruptedException {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + duration.toNanos();
        List<Worker> running = new ArrayList<>(workers);
        Map<String, Long> errorSamples = new ConcurrentHashMap<>();
        for (int i = 0; i < workers; i++) {
            Worker worker = new Worker(workload, deadlineNs, errorSamples);
            worker.thread = Thread.ofPlatform().name("bench-worker-" + i).start(worker);
            running.add(worker);
        }
        return collect(label, running, errorSamples, startNs, duration);
    }

    /**
     * Sends {@code perSecond} requests a second for {@code duration} on a schedule fixed in advance (request i is due
     * at start + i / rate), from {@code senders} threads, each on its own connection. Latency runs from the time a request was due, not from when a sender got to it: a service that
     * falls behind shows as the queueing its callers would see (no coordinated omission, as in wrk2).
     */
    LoadResult runPaced(String label, Workload workload, double perSecond, Duration duration, int senders)
            throws InterruptedException {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + duration.toNanos();
        double intervalNs = 1e9 / perSecond;
        AtomicLong slots = new AtomicLong();
        Map<String, Long> errorSamples = new ConcurrentHashMap<>();
        List<Worker> running = new ArrayList<>(senders);
        for (int i = 0; i < senders; i++) {
            Worker worker = new Worker(workload, deadlineNs, errorSamples);
            worker.thread = Thread.ofPlatform().name("bench-paced-" + i).start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try (LoadConnection connection = connections.get()) {
                    while (!Thread.currentThread().isInterrupted()) {
                        long dueNs = startNs + Math.round(slots.getAndIncrement() * intervalNs);
                        if (dueNs >= deadlineNs) {
                            return;
                        }
                        LockSupport.parkNanos(dueNs - System.nanoTime());
                        worker.sendOne(connection, random, dueNs);
                    }
                }
            });
            running.add(worker);
        }
        return collect(label, running, errorSamples, startNs, duration);
    }

    private LoadResult collect(String label, List<Worker> running, Map<String, Long> errorSamples, long startNs,
            Duration duration) throws InterruptedException {
        Histogram latencies = new Histogram(3);
        Histogram refusalLatencies = new Histogram(3);
        Map<Integer, Long> refusals = new TreeMap<>();
        long successes = 0;
        long successesInWindow = 0;
        long errors = 0;
        for (Worker worker : running) {
            worker.thread.join();
            latencies.add(worker.latencies);
            refusalLatencies.add(worker.refusalLatencies);
            worker.refusals.forEach((status, count) -> refusals.merge(status, count, Long::sum));
            successes += worker.successes;
            successesInWindow += worker.successesInWindow;
            errors += worker.errors;
        }
        // Requests sent before the deadline finish after it: count the time until the last one answered.
        double seconds = (System.nanoTime() - startNs) / 1e9;
        return new LoadResult(label, running.size(), successes, errors, seconds, duration.toNanos() / 1e9,
                successesInWindow, latencies, Map.copyOf(refusals), refusalLatencies, Map.copyOf(errorSamples));
    }

    /** One sender; its counters are read only after its thread ended. */
    private final class Worker implements Runnable {

        private final Workload workload;
        private final long deadlineNs;
        private final Map<String, Long> errorSamples;
        private final Histogram latencies = new Histogram(3); // microseconds, resized as needed
        private final Histogram refusalLatencies = new Histogram(3);
        private final Map<Integer, Long> refusals = new HashMap<>();
        private long successes;
        private long successesInWindow;
        private long errors;
        private Thread thread;

        Worker(Workload workload, long deadlineNs, Map<String, Long> errorSamples) {
            this.workload = workload;
            this.deadlineNs = deadlineNs;
            this.errorSamples = errorSamples;
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try (LoadConnection connection = connections.get()) {
                while (System.nanoTime() < deadlineNs && !Thread.currentThread().isInterrupted()) {
                    sendOne(connection, random, System.nanoTime());
                }
            }
        }

        /** Sends the workload's next request and records its answer, with its latency counted from {@code fromNs}. */
        void sendOne(LoadConnection connection, ThreadLocalRandom random, long fromNs) {
            try {
                LoadConnection.Answer response = connection.send(workload.next(sequence.incrementAndGet(), random));
                long answeredNs = System.nanoTime();
                long micros = (answeredNs - fromNs) / 1_000;
                int status = response.status();
                if (workload.succeeded(response)) {
                    latencies.recordValue(micros);
                    successes++;
                    if (answeredNs <= deadlineNs) {
                        successesInWindow++;
                    }
                } else if (workload.refusalStatuses().contains(status)) {
                    refusalLatencies.recordValue(micros);
                    refusals.merge(status, 1L, Long::sum);
                } else {
                    error(status + " " + Json.abbreviate(response.body(), 200));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                error("no answer: " + e);
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
