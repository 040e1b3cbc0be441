package io.kessai.auth.password;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Occupies a {@link PasswordHasher}'s pool with tasks that wait on a latch, so that a test knows exactly how full the
 * pool is instead of hoping that concurrent requests overflow it: first every worker (each task is running before the
 * next step), then as many queue places as asked. {@link #close()} lets them finish and returns once all have, so the
 * pool holds nothing of theirs afterwards.
 */
public final class BlockedHashingPool implements AutoCloseable {

    /** Long enough for any test; a blocker never outlives a test that forgot to close it by more than this. */
    private static final long MAX_BLOCK_SECONDS = 300;
    private static final long WAIT_SECONDS = 60;

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch finished;

    private BlockedHashingPool(int tasks) {
        this.finished = new CountDownLatch(tasks);
    }

    /** Blocks all {@code workers} of the pool and {@code queued} places of its queue. */
    public static BlockedHashingPool block(PasswordHasher hasher, int workers, int queued) {
        BlockedHashingPool blocked = new BlockedHashingPool(workers + queued);
        CountDownLatch running = new CountDownLatch(workers);
        for (int i = 0; i < workers; i++) {
            hasher.occupy(blocked.task(running));
        }
        // Only once every worker runs a blocker do the next tasks stay in the queue (an idle worker would take one).
        await(running, "every hashing worker runs a blocker");
        for (int i = 0; i < queued; i++) {
            hasher.occupy(blocked.task(new CountDownLatch(0)));
        }
        return blocked;
    }

    /** The pool is full: every worker and every queue place is taken. */
    public static BlockedHashingPool fill(PasswordHasher hasher, int workers, int queue) {
        BlockedHashingPool blocked = block(hasher, workers, queue);
        assertTrue(hasher.saturated(), "the pool has room beyond " + workers + " workers and " + queue + " waiting");
        return blocked;
    }

    private Runnable task(CountDownLatch running) {
        return () -> {
            running.countDown();
            try {
                release.await(MAX_BLOCK_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                finished.countDown();
            }
        };
    }

    /** Lets the blockers finish and waits until they all have. */
    @Override
    public void close() {
        release.countDown();
        await(finished, "the blocked hashing tasks finish");
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                fail("timed out after " + WAIT_SECONDS + " s waiting until " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        }
    }
}
