package io.kessai.auth.throttle;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Per-number lockout (table {@code login_lockout}) with {@link LockoutPolicy}'s arithmetic. Every sign-in attempt is
 * counted as a failure before its password is checked, in one atomic statement that also refuses while the number is
 * locked, so parallel guesses cannot slip past the count; a success then clears it. Numbers without an account are
 * counted and locked exactly like the others, so a lockout answer never tells whether a number is registered.
 */
@ApplicationScoped
public class Lockouts {

    /** A counted attempt: its place in the run of failures, and whether it has just locked the number. */
    public record Attempt(int failures, Duration lock) {
    }

    private final Pool pool;
    private final LockoutPolicy policy;
    private final Double[] lockSeconds;

    Lockouts(Pool pool, AuthConfig config) {
        this.pool = pool;
        AuthConfig.Lockout lockout = config.lockout();
        this.policy = new LockoutPolicy(lockout.freeFailures(), lockout.firstLock(), lockout.maxLock(),
                lockout.hardLimit());
        // The lock after the n-th failure in a row is element n (1-based, as SQL arrays are); 0 means no lock.
        this.lockSeconds = new Double[policy.hardLimit()];
        for (int n = 1; n <= policy.hardLimit(); n++) {
            lockSeconds[n - 1] = (double) policy.lockAfter(n).toSeconds();
        }
    }

    /** Counts an attempt on {@code phone}, or fails with 429 {@code login-locked} while the number is locked. */
    public Uni<Attempt> attempt(String phone) {
        // The count and the lock it earns are one statement: the upsert holds the row, so a parallel attempt waits and
        // then sees the lock (two statements let a burst of guesses in between them).
        return pool.preparedQuery("INSERT INTO login_lockout AS l (phone_e164, failures, locked_until) "
                + "VALUES ($1, 1, now() + make_interval(secs => ($3::float8[])[1])) "
                + "ON CONFLICT (phone_e164) DO UPDATE SET failures = l.failures + 1, "
                + "locked_until = now() + make_interval(secs => ($3::float8[])[l.failures + 1]), updated_at = now() "
                + "WHERE (l.locked_until IS NULL OR l.locked_until <= now()) AND l.failures < $2 RETURNING failures")
                .execute(Tuple.of(phone, policy.hardLimit(), lockSeconds))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return locked(phone);
                    }
                    int failures = rows.iterator().next().getInteger("failures");
                    return Uni.createFrom().item(new Attempt(failures, policy.lockAfter(failures)));
                });
    }

    /**
     * The attempt's password was never checked (the hashing pool shed it with 503): it must not count, or a sign-in
     * storm would lock out the people caught in it. Lifts the lock this attempt started, if it started one.
     */
    public Uni<Void> notChecked(String phone, Attempt attempt) {
        return pool.preparedQuery("UPDATE login_lockout SET failures = greatest(0, failures - 1), "
                + "locked_until = CASE WHEN $2 THEN NULL ELSE locked_until END WHERE phone_e164 = $1")
                .execute(Tuple.of(phone, !attempt.lock().isZero())).replaceWithVoid();
    }

    /** The password was right: the run of failures ends. */
    public Uni<Void> succeeded(SqlClient client, String phone) {
        return client.preparedQuery("DELETE FROM login_lockout WHERE phone_e164 = $1").execute(Tuple.of(phone))
                .replaceWithVoid();
    }

    private Uni<Attempt> locked(String phone) {
        return pool.preparedQuery("SELECT failures, ceil(extract(epoch FROM locked_until - now())) AS wait "
                + "FROM login_lockout WHERE phone_e164 = $1").execute(Tuple.of(phone))
                .map(rows -> {
                    // No row: a success cleared the run between the two statements; the caller may simply retry.
                    var row = rows.size() == 0 ? null : rows.iterator().next();
                    if (row != null && policy.disabled(row.getInteger("failures"))) {
                        throw new ProblemException(429, "login-locked", "Sign-in locked",
                                "Too many wrong passwords in a row: reset the password to sign in again.", List.of(),
                                Map.of("Retry-After", Long.toString(policy.maxLock().toSeconds())));
                    }
                    Double wait = row == null ? null : row.getDouble("wait");
                    long seconds = Math.max(1, wait == null ? 1 : wait.longValue());
                    throw new ProblemException(429, "login-locked", "Sign-in locked",
                            "Too many wrong passwords; try again in " + seconds + " s.", List.of(),
                            Map.of("Retry-After", Long.toString(seconds)));
                });
    }
}
