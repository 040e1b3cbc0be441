package io.kessai.payment.cpm;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Throttles guessing of codes: failed codes are counted per till (enumerating device references) and per device
 * reference (guessing one key's one-time part from many tills) in a fixed window, in the payment database so that the
 * limits hold across replicas. Over a limit, the till gets 429 with Retry-After until its window ends.
 */
@ApplicationScoped
public class CodeAttempts {

    private final Pool pool;
    private final CpmConfig config;

    CodeAttempts(Pool pool, CpmConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** Refuses with 429 when the till or the device reference has used up its failures for now. */
    public Uni<Void> check(String tillId, int deviceReference) {
        return pool.preparedQuery("SELECT scope, failures, ceil(extract(epoch FROM window_start + make_interval(secs "
                + "=> $3) - now()))::bigint AS remaining FROM cpm_attempt_failure WHERE ((scope = 'till' AND subject "
                + "= $1) OR (scope = 'device' AND subject = $2)) AND window_start > now() - make_interval(secs => $3)")
                .execute(Tuple.of(tillId, reference(deviceReference), windowSeconds()))
                .map(rows -> {
                    for (Row row : rows) {
                        boolean till = "till".equals(row.getString("scope"));
                        int max = till ? config.maxFailuresPerTill() : config.maxFailuresPerDevice();
                        if (row.getInteger("failures") >= max) {
                            long retryAfter = Math.max(1, row.getLong("remaining"));
                            throw new ProblemException(429, CpmProblem.TOO_MANY_FAILURES.code(),
                                    CpmProblem.TOO_MANY_FAILURES.title(), (till
                                            ? "This till has"
                                            : "This code's "
                                                    + "device has")
                                            + " had too many invalid codes; try again in "
                                            + retryAfter + " s or ask the customer to pay in the app.",
                                    List.of(), Map.of("Retry-After", Long.toString(retryAfter)));
                        }
                    }
                    return null;
                });
    }

    /** Counts one failed code against the till and the device reference it named. */
    public Uni<Void> fail(String tillId, int deviceReference) {
        return pool.preparedQuery("INSERT INTO cpm_attempt_failure AS a (scope, subject, window_start, failures) "
                + "VALUES ('till', $1, now(), 1), ('device', $2, now(), 1) ON CONFLICT (scope, subject) DO UPDATE SET "
                + "failures = CASE WHEN a.window_start <= now() - make_interval(secs => $3) THEN 1 "
                + "ELSE a.failures + 1 END, window_start = CASE WHEN a.window_start <= now() - make_interval(secs "
                + "=> $3) THEN now() ELSE a.window_start END")
                .execute(Tuple.of(tillId, reference(deviceReference), windowSeconds())).replaceWithVoid();
    }

    private double windowSeconds() {
        return config.failureWindow().toMillis() / 1000.0;
    }

    private static String reference(int deviceReference) {
        return String.format("%08d", deviceReference);
    }
}
