package io.kessai.auth.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.common.problem.ProblemException;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class TokenBucketsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TokenBuckets.Limit THREE_AN_HOUR = new TokenBuckets.Limit("test", 3, Duration.ofMinutes(20));

    @Inject
    TokenBuckets buckets;

    @Inject
    Pool pool;

    @Test
    void aBucketGivesItsCapacityThenRefusesWithRetryAfterUntilItRefills() {
        String subject = UUID.randomUUID().toString();
        for (int i = 0; i < 3; i++) {
            buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT);
        }
        ProblemException refused = assertThrows(ProblemException.class,
                () -> buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT));
        assertEquals(429, refused.status());
        assertEquals("too-many-requests", refused.code());
        long retryAfter = Long.parseLong(refused.headers().get("Retry-After"));
        assertTrue(retryAfter > 1_100 && retryAfter <= 1_200, "one token per 20 min: " + retryAfter);

        buckets.take(THREE_AN_HOUR, UUID.randomUUID().toString()).await().atMost(WAIT);
        pool.preparedQuery("UPDATE throttle_bucket SET updated_at = updated_at - interval '21 minutes' WHERE key = $1")
                .execute(Tuple.of("test:" + subject)).await().atMost(WAIT);
        buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT);
        assertThrows(ProblemException.class, () -> buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT));
    }

    @Test
    void aTokenGivenBackCanBeTakenAgainButNeverFillsPastTheCapacity() {
        String subject = UUID.randomUUID().toString();
        for (int i = 0; i < 3; i++) {
            buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT);
        }
        buckets.giveBack(THREE_AN_HOUR, subject).await().atMost(WAIT);
        buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT);
        assertThrows(ProblemException.class, () -> buckets.take(THREE_AN_HOUR, subject).await().atMost(WAIT));

        // Giving back more than was taken (a refund racing the refill) leaves a full bucket, no more.
        String other = UUID.randomUUID().toString();
        buckets.take(THREE_AN_HOUR, other).await().atMost(WAIT);
        for (int i = 0; i < 3; i++) {
            buckets.giveBack(THREE_AN_HOUR, other).await().atMost(WAIT);
        }
        for (int i = 0; i < 3; i++) {
            buckets.take(THREE_AN_HOUR, other).await().atMost(WAIT);
        }
        assertThrows(ProblemException.class, () -> buckets.take(THREE_AN_HOUR, other).await().atMost(WAIT));
    }

    @Test
    void bucketsIdleForADayAreDroppedAndOthersKept() {
        String idle = UUID.randomUUID().toString();
        String busy = UUID.randomUUID().toString();
        buckets.take(THREE_AN_HOUR, idle).await().atMost(WAIT);
        buckets.take(THREE_AN_HOUR, busy).await().atMost(WAIT);
        pool.preparedQuery("UPDATE throttle_bucket SET updated_at = now() - interval '25 hours' WHERE key = $1")
                .execute(Tuple.of("test:" + idle)).await().atMost(WAIT);
        // The job itself, as the scheduler runs it (off in tests).
        buckets.purgeIdle().await().atMost(WAIT);
        assertEquals(List.of(), keys(idle));
        assertEquals(List.of("test:" + busy), keys(busy));
    }

    private List<String> keys(String subject) {
        return pool.preparedQuery("SELECT key FROM throttle_bucket WHERE key = $1").execute(Tuple.of("test:" + subject))
                .await().atMost(WAIT).stream().map(row -> row.getString("key")).toList();
    }

    @Test
    void concurrentRequestsNeverTakeMoreThanTheBucketHolds() {
        TokenBuckets.Limit tenAtOnce = new TokenBuckets.Limit("burst", 10, Duration.ofHours(1));
        String subject = UUID.randomUUID().toString();
        List<CompletableFuture<Void>> takes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            takes.add(buckets.take(tenAtOnce, subject).subscribeAsCompletionStage());
        }
        int taken = 0;
        for (CompletableFuture<Void> take : takes) {
            try {
                take.join();
                taken++;
            } catch (CompletionException refused) {
                assertEquals("too-many-requests", ((ProblemException) refused.getCause()).code());
            }
        }
        assertEquals(10, taken);
    }
}
