package io.kessai.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What one Gatling run of {@link PaymentSimulation} sends and what came back: its phases in order (each a Gatling
 * scenario started when the one before has finished), each phase's segments at their arrival rates, and per segment
 * the answers counted and timed. Payments are of 1 JPY, each under a fresh {@code Idempotency-Key}, made by its
 * {@link Payers}: customers paying merchants' static codes (MPM), or tills charging the codes devices show (CPM).
 */
final class PaymentLoad {

    /** Which merchant a payment goes to. */
    enum Target {
        /** a merchant chosen at random */
        SPREAD,
        /** merchant 0 */
        HOT
    }

    /** A stretch of a phase at one arrival rate. */
    record Segment(String label, double perSecond, int seconds) {
    }

    /**
     * A payment that payment-service acknowledged (201 or 202): it must be recorded exactly once under its customer's
     * id and the idempotency key payment-service keeps for it.
     */
    record Ack(String customerId, String key, int status) {
    }

    /** What the machine had done when a segment began: CPU times, each database's commits, the risk engine's time. */
    record Snapshot(CpuMeter.Sample cpu, Map<String, Long> commits, RiskCost risk) {
    }

    /**
     * What a segment's payments cost, from its first payment until the next segment's first (the last one's until the
     * end of the run): where the CPU went, the commits per acknowledged payment in each database (the outbox's
     * included), and the risk engine's time (null when its metrics could not be read).
     */
    record Cost(CpuMeter.Usage usage, Map<String, Double> commitsPerPayment, RiskCost risk) {
    }

    /**
     * A step of the saturation search stops the search when its payments did not keep up: fewer than
     * {@link #KEPT_UP} of the offered rate completed, more than {@link #MAX_FAILED_SHARE} not accepted, or the p99 of
     * the accepted above the phase's limit.
     */
    static final double KEPT_UP = 0.95;
    static final double MAX_FAILED_SHARE = 0.01;

    /** One Gatling scenario: a target and its segments; a saturation step is skipped once the one before failed. */
    final class Phase {

        final int index;
        final String name;
        final Target target;
        final List<Segment> segments;
        final Phase previousStep;
        final double stepP99LimitMs;
        final Outcomes[] outcomes;
        private final AtomicBoolean started = new AtomicBoolean();
        private final AtomicLong arrivals = new AtomicLong();
        private volatile boolean skipped;

        private Phase(int index, String name, Target target, List<Segment> segments, Phase previousStep,
                double stepP99LimitMs) {
            this.index = index;
            this.name = name;
            this.target = target;
            this.segments = List.copyOf(segments);
            this.previousStep = previousStep;
            this.stepP99LimitMs = stepP99LimitMs;
            this.outcomes = new Outcomes[segments.size()];
            for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] = new Outcomes(this, segments.get(i));
            }
        }

        boolean skipped() {
            return skipped;
        }

        /** A saturation step whose payments kept up: the search may go on to the next rate. */
        boolean keptUp() {
            Outcomes step = outcomes[0];
            return started.get() && !skipped && step.sent() > 0
                    && step.completedPerSecond() >= KEPT_UP * step.segment.perSecond()
                    && step.notAccepted() <= MAX_FAILED_SHARE * step.sent()
                    && step.acceptedPercentileMs(99) <= stepP99LimitMs;
        }

        /** Decides once, before any payment of the phase goes out, whether it runs at all. */
        private void start() {
            if (started.get()) {
                return;
            }
            synchronized (this) {
                if (!started.get()) {
                    skipped = previousStep != null && !previousStep.keptUp();
                    if (!skipped) {
                        outcomes[0].begin();
                    }
                    started.set(true);
                }
            }
        }

        /**
         * The segment a payment belongs to, starting that segment's CPU sample when it is the first: counted by the
         * phase's virtual users in order of arrival (a segment has rate × seconds of them), not by the clock, since
         * Gatling's injector falls behind its schedule when the machine is saturated (in a surge) and would
         * otherwise put a late segment's payments into the next one.
         */
        private Outcomes current() {
            long arrival = arrivals.getAndIncrement();
            long end = 0;
            for (Outcomes segment : outcomes) {
                end += Math.round(segment.segment.perSecond() * segment.segment.seconds());
                if (arrival < end) {
                    segment.begin();
                    return segment;
                }
            }
            return outcomes[outcomes.length - 1];
        }
    }

    /** What a segment's payments got back; latencies in microseconds, from when each payment was due. */
    final class Outcomes {

        final Phase phase;
        final Segment segment;
        private final LongAdder sent = new LongAdder();
        private final LongAdder completed = new LongAdder();
        private final LongAdder pending = new LongAdder();
        private final Map<Integer, LongAdder> shed = new ConcurrentHashMap<>();
        private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        private final LongAdder errorCount = new LongAdder();
        private final Histogram accepted = new ConcurrentHistogram(3_600_000_000L, 3);
        private final Histogram shedLatency = new ConcurrentHistogram(3_600_000_000L, 3);
        private final AtomicBoolean begun = new AtomicBoolean();
        private final AtomicLong firstNs = new AtomicLong();
        private final AtomicLong lastNs = new AtomicLong();
        private volatile Future<Snapshot> atStart;

        private Outcomes(Phase phase, Segment segment) {
            this.phase = phase;
            this.segment = segment;
        }

        private void begin() {
            if (begun.compareAndSet(false, true)) {
                firstNs.set(System.nanoTime());
                atStart = sampler.submit(snapshots);
                synchronized (begunInOrder) {
                    begunInOrder.add(this);
                }
            }
        }

        long sent() {
            return sent.sum();
        }

        long completed() {
            return completed.sum();
        }

        long pending() {
            return pending.sum();
        }

        long shed() {
            return shed.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<Integer, Long> shedByStatus() {
            Map<Integer, Long> counts = new TreeMap<>();
            shed.forEach((status, count) -> counts.put(status, count.sum()));
            return counts;
        }

        long errors() {
            return errorCount.sum();
        }

        Map<String, Long> errorSamples() {
            Map<String, Long> samples = new LinkedHashMap<>();
            errors.forEach((sample, count) -> samples.put(sample, count.sum()));
            return samples;
        }

        long notAccepted() {
            return shed() + errors();
        }

        /** Seconds from the first payment sent until the last answer, at least the segment's own duration. */
        double seconds() {
            long last = lastNs.get();
            return Math.max(segment.seconds(), last == 0 ? 0 : (last - firstNs.get()) / 1e9);
        }

        double completedPerSecond() {
            return completed() / seconds();
        }

        double acceptedPercentileMs(double percentile) {
            return accepted.getTotalCount() == 0
                    ? Double.NaN
                    : accepted.getValueAtPercentile(percentile) / 1000.0;
        }

        double acceptedMaxMs() {
            return accepted.getTotalCount() == 0 ? Double.NaN : accepted.getMaxValue() / 1000.0;
        }

        double shedPercentileMs(double percentile) {
            return shedLatency.getTotalCount() == 0
                    ? Double.NaN
                    : shedLatency.getValueAtPercentile(percentile) / 1000.0;
        }

        boolean begun() {
            return begun.get();
        }

        private void answered(int status, long dueNs, String body) {
            long now = System.nanoTime();
            lastNs.accumulateAndGet(now, Math::max);
            long micros = Math.max(0, (now - dueNs) / 1000);
            switch (status) {
                case 201 -> {
                    completed.increment();
                    accepted.recordValue(micros);
                }
                case 202 -> {
                    pending.increment();
                    accepted.recordValue(micros);
                }
                case 503, 429 -> {
                    shed.computeIfAbsent(status, s -> new LongAdder()).increment();
                    shedLatency.recordValue(micros);
                }
                default -> error(status == 0 ? "no answer" : status + " " + Json.abbreviate(body, 160));
            }
        }

        private void error(String sample) {
            errorCount.increment();
            if (errors.size() < 20 || errors.containsKey(sample)) {
                errors.computeIfAbsent(sample, s -> new LongAdder()).increment();
            }
        }
    }

    private final URI paymentUrl;
    private final Payers payers;
    private final Callable<Snapshot> snapshots;
    private final List<Phase> phases = new ArrayList<>();
    private final List<Outcomes> begunInOrder = new ArrayList<>();
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final String runId;
    private final ExecutorService sampler = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "segment-snapshots");
        thread.setDaemon(true);
        return thread;
    });

    /** {@code snapshots} is taken as each segment begins; {@code runId} makes this run's keys unlike any other run's. */
    PaymentLoad(URI paymentUrl, Payers payers, Callable<Snapshot> snapshots, String runId) {
        this.paymentUrl = paymentUrl;
        this.payers = payers;
        this.snapshots = snapshots;
        this.runId = runId;
    }

    Payers payers() {
        return payers;
    }

    /** Adds a phase of one segment or several; {@code previousStep}: the saturation step before, or null. */
    Phase add(String name, Target target, List<Segment> segments, Phase previousStep, double stepP99LimitMs) {
        Phase phase = new Phase(phases.size(), name, target, segments, previousStep, stepP99LimitMs);
        phases.add(phase);
        return phase;
    }

    List<Phase> phases() {
        return List.copyOf(phases);
    }

    URI paymentUrl() {
        return paymentUrl;
    }

    List<Ack> acks() {
        return List.copyOf(acks);
    }

    /**
     * The next payment of {@code phase}: its request, under which key; or null when the phase is a skipped saturation
     * step (the simulation then stops: no later step can keep up either), or when no payer could pay (counted as an
     * error: the load, not the service, fell short).
     */
    Payment next(Phase phase) {
        phase.start();
        if (phase.skipped) {
            return null;
        }
        Outcomes outcomes = phase.current();
        outcomes.sent.increment();
        int merchant = phase.target == Target.HOT ? 0 : ThreadLocalRandom.current().nextInt(payers.merchants());
        String key = runId + "-" + phase.index + "-" + sequence.incrementAndGet();
        Payers.Request request = payers.request(merchant, key);
        if (request == null) {
            outcomes.error("not sent: " + payers.shortfall());
            return null;
        }
        return new Payment(outcomes, request, key, System.nanoTime());
    }

    /**
     * True for the first virtual user of a skipped step only, which stops the Gatling run: Gatling logs an error for
     * every further stop once its controller has ended.
     */
    boolean firstToStop(Phase phase) {
        return phase.skipped && stopping.compareAndSet(false, true);
    }

    /** One payment as sent; {@code dueNs}: when its virtual user started, from which its latency counts. */
    record Payment(Outcomes outcomes, Payers.Request request, String key, long dueNs) {
    }

    /** Counts an answer ({@code status} 0: none arrived). */
    void answered(Payment payment, int status, String body) {
        payment.request().done().run();
        payment.outcomes().answered(status, payment.dueNs(), body == null ? "" : body);
        if (status == 201 || status == 202) {
            acks.add(new Ack(payment.request().customerId(), payment.request().storedKey(), status));
        }
    }

    /** What each segment that ran cost, in the order they ran ({@link Cost}); {@code end}: taken after the run. */
    Map<Outcomes, Cost> costs(Snapshot end) throws Exception {
        Map<Outcomes, Cost> costs = new LinkedHashMap<>();
        List<Outcomes> ran;
        synchronized (begunInOrder) {
            ran = List.copyOf(begunInOrder);
        }
        for (int i = 0; i < ran.size(); i++) {
            Snapshot from = ran.get(i).atStart.get();
            Snapshot to = i + 1 < ran.size() ? ran.get(i + 1).atStart.get() : end;
            long payments = ran.get(i).completed() + ran.get(i).pending();
            Map<String, Double> commits = new TreeMap<>();
            to.commits().forEach((database, count) -> commits.put(database, payments == 0
                    ? Double.NaN
                    : (count - from.commits().getOrDefault(database, 0L)) / (double) payments));
            costs.put(ran.get(i), new Cost(CpuMeter.between(from.cpu(), to.cpu()), commits,
                    RiskCost.between(from.risk(), to.risk())));
        }
        return costs;
    }
}
