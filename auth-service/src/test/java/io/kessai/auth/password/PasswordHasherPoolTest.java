package io.kessai.auth.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.TestAuthConfig;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;

/** Hashing runs on a fixed pool with a bounded queue: beyond it, work is shed at once with a 503 to retry. */
class PasswordHasherPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PASSWORD = "correct horse battery staple";
    /** A stored hash to verify against, made without the pool (which is full when it is needed). */
    private static final String STORED = PasswordHasher.hash(PASSWORD, new PasswordHasher.Cost(8_192, 1, 1));

    @Test
    void hashesBeyondTheWorkersAndTheQueueAreShedWith503() {
        PasswordHasher hasher = new PasswordHasher(config(2, 3));
        try {
            List<CompletableFuture<String>> waiting = new ArrayList<>();
            try (BlockedHashingPool busy = BlockedHashingPool.block(hasher, 2, 0)) {
                // Every worker is busy: hashes wait in the queue, up to its size.
                for (int i = 0; i < 3; i++) {
                    assertFalse(hasher.saturated(), "queue place " + (i + 1) + " of 3 is free");
                    waiting.add(hasher.hash(PASSWORD).subscribeAsCompletionStage());
                }
                assertTrue(hasher.saturated());
                // Beyond that, every kind of hashing work is refused at once, not queued.
                List<Supplier<Uni<?>>> more = List.of(() -> hasher.hash(PASSWORD),
                        () -> hasher.verify(PASSWORD, STORED),
                        () -> hasher.verifyOrDummy(PASSWORD, null),
                        () -> hasher.checkAndHash("another long passphrase 9", "+819012345678", "password"));
                for (Supplier<Uni<?>> work : more) {
                    CompletableFuture<?> shed = work.get().subscribeAsCompletionStage();
                    assertTrue(shed.isCompletedExceptionally(), "answered at once, without waiting for a worker");
                    CompletionException refused = assertThrows(CompletionException.class, shed::join);
                    ProblemException problem = assertInstanceOf(ProblemException.class, refused.getCause());
                    assertEquals(503, problem.status());
                    assertEquals("service-unavailable", problem.code());
                    assertEquals("5", problem.headers().get("Retry-After"));
                }
                assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "the queued hashes still wait");
            }
            // Released: the queued hashes are done as any other, and the pool takes new work again.
            for (CompletableFuture<String> hash : waiting) {
                assertTrue(hash.join().startsWith("$argon2id$"));
            }
            assertFalse(hasher.saturated());
            assertTrue(hasher.hash(PASSWORD).await().atMost(WAIT).startsWith("$argon2id$"));
        } finally {
            hasher.stop();
        }
    }

    @Test
    void verifyingAHashOfAnOlderCostAsksForARehash() {
        PasswordHasher hasher = new PasswordHasher(config(2, 8));
        try {
            String old = PasswordHasher.hash("tsukemen-at-lunch-4", new PasswordHasher.Cost(8_192, 1, 1));
            PasswordHasher.Verification verification = hasher.verify("tsukemen-at-lunch-4", old).await()
                    .atMost(WAIT);
            assertTrue(verification.matches());
            assertTrue(verification.needsRehash());
            String current = hasher.hash("tsukemen-at-lunch-4").await().atMost(WAIT);
            PasswordHasher.Verification fresh = hasher.verify("tsukemen-at-lunch-4", current).await().atMost(WAIT);
            assertTrue(fresh.matches());
            assertFalse(fresh.needsRehash());
            assertFalse(hasher.verify("wrong password!", current).await().atMost(WAIT).matches());
        } finally {
            hasher.stop();
        }
    }

    private static AuthConfig config(int workers, int queue) {
        return TestAuthConfig.passwords(TestAuthConfig.hashing(workers, queue));
    }
}
