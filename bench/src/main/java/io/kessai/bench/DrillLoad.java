package io.kessai.bench;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drill's workload: an open model (operations start at the rate set, whether or not earlier ones were answered, as
 * customers at lunchtime do), each operation on a virtual thread of its own, chosen by weight from the mix below. What
 * the services acknowledged goes into the clients' own log ({@link DrillOperations#acks()}), which the invariants are
 * checked against.
 */
final class DrillLoad implements AutoCloseable {

    /** One kind of operation and its share of the mix. */
    record Operation(String name, int weight, Step step) {
    }

    /** Runs one operation to its end (retries included); it logs what was acknowledged itself. */
    interface Step {

        void run() throws Exception;
    }

    /** Operations in flight at most; above it the load counts what it could not start instead of piling up. */
    private static final int MAX_IN_FLIGHT = 4_000;

    private final List<Operation> mix;
    private final int totalWeight;
    private final ExecutorService operations = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final LongAdder notStarted = new LongAdder();
    private final LongAdder crashed = new LongAdder();
    private final Thread pacer;
    private volatile double perSecond;
    private volatile boolean stopped;
    private volatile boolean paused;

    DrillLoad(List<Operation> mix, double perSecond) {
        this.mix = List.copyOf(mix);
        this.totalWeight = mix.stream().mapToInt(Operation::weight).sum();
        this.perSecond = perSecond;
        this.pacer = Thread.ofPlatform().name("drill-pacer").daemon().unstarted(this::pace);
    }

    void start() {
        pacer.start();
    }

    void rate(double perSecond) {
        this.perSecond = perSecond;
    }

    double rate() {
        return perSecond;
    }

    /**
     * Starts nothing more and waits until every operation under way has ended (each ends within its retry deadline),
     * so that the databases hold a state the clients' log can be checked against exactly; {@link #resume()} goes on.
     */
    void pause() throws InterruptedException {
        paused = true;
        inFlight.acquire(MAX_IN_FLIGHT);
        inFlight.release(MAX_IN_FLIGHT);
    }

    void resume() {
        paused = false;
    }

    /** Operations the load could not start because {@link #MAX_IN_FLIGHT} were under way. */
    long notStarted() {
        return notStarted.sum();
    }

    /** Operations that ended in an exception of the drill's own (a bug in the drill, reported as a failure). */
    long crashed() {
        return crashed.sum();
    }

    /** Stops starting operations and waits (bounded) for those under way to end. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        pacer.join(5_000);
        operations.shutdown();
        if (!operations.awaitTermination(2, TimeUnit.MINUTES)) {
            operations.shutdownNow();
        }
    }

    private void pace() {
        long startNs = System.nanoTime();
        double due = 0;
        long lastNs = startNs;
        while (!stopped) {
            long nowNs = System.nanoTime();
            due = paused ? 0 : due + perSecond * (nowNs - lastNs) / 1e9;
            lastNs = nowNs;
            while (due >= 1) {
                due--;
                submit(pick());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Operation pick() {
        int roll = ThreadLocalRandom.current().nextInt(totalWeight);
        for (Operation operation : mix) {
            roll -= operation.weight();
            if (roll < 0) {
                return operation;
            }
        }
        return mix.getLast();
    }

    private void submit(Operation operation) {
        if (!inFlight.tryAcquire()) {
            notStarted.increment();
            return;
        }
        operations.execute(() -> {
            try {
                operation.step().run();
            } catch (Exception | Error e) {
                crashed.increment();
                System.err.println("drill: " + operation.name() + " failed in the drill itself: " + e);
            } finally {
                inFlight.release();
            }
        });
    }
}
