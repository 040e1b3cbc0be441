package io.kessai.payment.p2p;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.problem.ProblemException;
import io.kessai.payment.PaymentConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * How many distinct numbers a sender may look up per window, counted in PostgreSQL so the limit holds across
 * replicas: a sender who types number after number to learn which ones belong to customers is stopped after a few
 * (429 {@code too-many-recipients}), whatever auth-service answers for them. A number looked up before in the window
 * counts once, however it is typed. One sender's lookups serialise on a transaction-scoped advisory lock, so parallel
 * requests cannot together pass the limit. Only a digest of the number is stored, and only for the window.
 */
@ApplicationScoped
class LookupLimit {

    private static final Logger LOG = Logger.getLogger(LookupLimit.class);

    private final Pool pool;
    private final int limit;
    private final Duration window;

    LookupLimit(Pool pool, PaymentConfig config) {
        this.pool = pool;
        this.limit = config.p2p().lookupsPerWindow();
        this.window = config.p2p().lookupWindow();
    }

    /** Counts {@code phone} as looked up by {@code senderId}, or fails with 429 when it would be one too many. */
    Uni<Void> take(String senderId, String phone) {
        String digest = digest(senderId, phone);
        double seconds = window.toMillis() / 1000.0;
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("p2p-lookup:" + senderId))
                .flatMap(locked -> tx.preparedQuery("SELECT count(*) AS numbers, coalesce(bool_or(phone_digest = $2), "
                        + "false) AS known, extract(epoch FROM min(looked_up_at) + make_interval(secs => $3) - now()) "
                        + "AS free_in FROM p2p_lookup WHERE sender_id = $1 AND looked_up_at > now() - "
                        + "make_interval(secs => $3)").execute(Tuple.of(senderId, digest, seconds)))
                .flatMap(rows -> {
                    var row = rows.iterator().next();
                    if (!row.getBoolean("known") && row.getLong("numbers") >= limit) {
                        long retryAfter = Math.max(1, (long) Math.ceil(row.getDouble("free_in")));
                        throw new ProblemException(429, P2pProblem.TOO_MANY_RECIPIENTS.code(),
                                P2pProblem.TOO_MANY_RECIPIENTS.title(), "You may send to at most " + limit
                                        + " different numbers in " + window.toMinutes() + " minutes; try again in "
                                        + retryAfter + " s.",
                                List.of(), Map.of("Retry-After",
                                        Long.toString(retryAfter)));
                    }
                    return tx.preparedQuery("INSERT INTO p2p_lookup (sender_id, phone_digest, looked_up_at) VALUES "
                            + "($1, $2, now()) ON CONFLICT (sender_id, phone_digest) DO UPDATE SET looked_up_at = "
                            + "now()").execute(Tuple.of(senderId, digest));
                })).replaceWithVoid();
    }

    /**
     * The number as digits in national form ({@code +81 90-1234-5678} and {@code 09012345678} are one number), keyed
     * with the sender so the table holds no reusable digest of a number.
     */
    static String digest(String senderId, String phone) {
        String trimmed = phone.strip();
        String digits = trimmed.replaceAll("[^0-9]", "");
        if (trimmed.startsWith("+81") && digits.startsWith("81")) {
            digits = "0" + digits.substring(2);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((senderId + "\n" + digits).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Drops lookups older than the window: they count no more. */
    @Scheduled(every = "10M", delayed = "1M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return pool.preparedQuery("DELETE FROM p2p_lookup WHERE looked_up_at < now() - make_interval(secs => $1)")
                .execute(Tuple.of(window.toMillis() / 1000.0)).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Purging P2P lookups failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }
}
