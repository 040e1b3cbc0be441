package io.kessai.auth.password;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.TestAuthConfig;
import io.kessai.common.problem.ProblemException;

/** Hashing runs on a fixed pool with a bounded queue: beyond it, work is shed at once with a 503 to retry. */
class PasswordHasherPoolTest {

    @Test
    void hashesBeyondTheWorkersAndTheQueueAreShedWith503() {
        PasswordHasher hasher = new PasswordHasher(config(1, 1));
        try {
            List<CompletableFuture<String>> hashes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                hashes.add(hasher.hash("correct horse battery staple").subscribeAsCompletionStage());
            }
            int hashed = 0;
            int shed = 0;
            for (CompletableFuture<String> hash : hashes) {
                try {
                    assertTrue(hash.join().startsWith("$argon2id$"));
                    hashed++;
                } catch (CompletionException e) {
                    ProblemException problem = (ProblemException) e.getCause();
                    assertEquals(503, problem.status());
                    assertEquals("service-unavailable", problem.code());
                    assertEquals("5", problem.headers().get("Retry-After"));
                    shed++;
                }
            }
            assertEquals(2, hashed, "one hashing, one waiting");
            assertEquals(4, shed);
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
                    .atMost(Duration.ofSeconds(30));
            assertTrue(verification.matches());
            assertTrue(verification.needsRehash());
            String current = hasher.hash("tsukemen-at-lunch-4").await().atMost(Duration.ofSeconds(30));
            PasswordHasher.Verification fresh = hasher.verify("tsukemen-at-lunch-4", current).await()
                    .atMost(Duration.ofSeconds(30));
            assertTrue(fresh.matches());
            assertFalse(fresh.needsRehash());
            assertFalse(hasher.verify("wrong password!", current).await().atMost(Duration.ofSeconds(30)).matches());
        } finally {
            hasher.stop();
        }
    }

    private static AuthConfig config(int workers, int queue) {
        return TestAuthConfig.passwords(TestAuthConfig.hashing(workers, queue));
    }
}
