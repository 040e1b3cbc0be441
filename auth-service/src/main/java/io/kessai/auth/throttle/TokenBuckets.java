package io.kessai.auth.throttle;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.problem.ProblemException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Token buckets in PostgreSQL, so a limit holds across every replica: a bucket of {@code capacity} tokens refills
 * one token per {@code refillEvery}, and each request takes one. Taking is a single atomic statement (an upsert that
 * refills from the elapsed time and takes only if a whole token is there), so concurrent requests can never take
 * more than the bucket holds. An empty bucket answers 429 {@code too-many-requests} with Retry-After.
 */
@ApplicationScoped
public class TokenBuckets {

    private static final Logger LOG = Logger.getLogger(TokenBuckets.class);

    /** A named limit: {@code capacity} requests at once, then one more per {@code refillEvery}. */
    public record Limit(String name, int capacity, Duration refillEvery) {

        double perSecond() {
            return 1000.0 / refillEvery.toMillis();
        }
    }

    private final Pool pool;

    TokenBuckets(Pool pool) {
        this.pool = pool;
    }

    /** Takes a token from the bucket {@code limit.name() + ":" + subject}, or fails with 429 and Retry-After. */
    public Uni<Void> take(Limit limit, String subject) {
        String key = limit.name() + ":" + subject;
        return pool
                .preparedQuery("INSERT INTO throttle_bucket AS b (key, tokens, updated_at) VALUES ($1, $2 - 1, now()) "
                        + "ON CONFLICT (key) DO UPDATE SET tokens = LEAST($2, b.tokens + extract(epoch FROM now() - b.updated_at) "
                        + "* $3) - 1, updated_at = now() "
                        + "WHERE LEAST($2, b.tokens + extract(epoch FROM now() - b.updated_at) * $3) >= 1 RETURNING tokens")
                .execute(Tuple.of(key, (double) limit.capacity(), limit.perSecond()))
                .flatMap(taken -> taken.size() == 1 ? Uni.createFrom().voidItem() : refuse(limit, key));
    }

    /**
     * Puts back the token a request took, for limits that count only failures but must take before they check, so
     * that parallel requests cannot all pass an almost empty bucket: the request turned out not to count.
     */
    public Uni<Void> giveBack(Limit limit, String subject) {
        return pool
                .preparedQuery("UPDATE throttle_bucket SET tokens = LEAST($2, tokens + extract(epoch FROM now() - "
                        + "updated_at) * $3 + 1), updated_at = now() WHERE key = $1")
                .execute(Tuple.of(limit.name() + ":" + subject, (double) limit.capacity(), limit.perSecond()))
                .replaceWithVoid();
    }

    private Uni<Void> refuse(Limit limit, String key) {
        return pool.preparedQuery("SELECT LEAST($2, tokens + extract(epoch FROM now() - updated_at) * $3) AS available "
                + "FROM throttle_bucket WHERE key = $1")
                .execute(Tuple.of(key, (double) limit.capacity(), limit.perSecond()))
                .map(rows -> {
                    double available = rows.size() == 0 ? 0 : rows.iterator().next().getDouble("available");
                    long seconds = Math.max(1, (long) Math.ceil((1 - available) / limit.perSecond()));
                    throw new ProblemException(429, "too-many-requests", "Too many requests",
                            "Too many requests of this kind from here; try again in " + seconds + " s.", List.of(),
                            Map.of("Retry-After", Long.toString(seconds)));
                });
    }

    /** Drops buckets idle for a day: by then every one of them is full again, which is what a missing row means. */
    @Scheduled(every = "1H", delayed = "5M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purgeIdle() {
        return pool.query("DELETE FROM throttle_bucket WHERE updated_at < now() - interval '1 day'").execute()
                .onFailure().invoke(e -> LOG.warnf("Purging idle throttle buckets failed: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
