package io.kessai.common.problem;

import java.util.Set;

/**
 * Recognises failures that mean "a dependency cannot serve us right now" (the token issuer unreachable, an open
 * circuit, a full bulkhead, a timeout, a refused or broken connection, a database that is busy or gone), which callers
 * must see as a 503 to retry, not as a bug. Matched by class name (and superclass names), so that this module needs
 * none of the libraries that throw them.
 */
final class DependencyUnavailable {

    private static final Set<String> UNAVAILABLE = Set.of(
            "io.quarkus.oidc.OIDCException",
            "io.smallrye.faulttolerance.api.CircuitBreakerOpenException",
            "org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException",
            "org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException",
            "org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException",
            "io.vertx.core.http.ConnectionPoolTooBusyException",
            "io.netty.channel.ConnectTimeoutException",
            "io.vertx.sqlclient.ClosedConnectionException",
            // Any I/O failure on a connection to a dependency: refused, reset, a broken pipe to a database that just
            // died. A write cut off this way may or may not have committed; the caller's retry with the same
            // Idempotency-Key answers whichever it was, so "retry" is the true answer, and 500 was not.
            "java.io.IOException");

    /**
     * PostgreSQL answers that mean "not now" rather than "never": a statement or lock wait that timed out, a deadlock
     * or serialization failure (the transaction was rolled back, so a retry is safe), too many connections or other
     * exhausted resources, a lost connection, or a server shutting down. By SQLSTATE prefix.
     */
    private static final Set<String> TRANSIENT_SQL_STATES = Set.of("57014", "55P03", "40P01", "40001", "53", "08",
            "57P");

    /**
     * The reactive SQL client's answer to a statement sent on a connection that died a moment before (a pipelined
     * second round trip after PostgreSQL was killed): no exception class of its own, only this message on Vert.x's
     * {@code NoStackTraceThrowable} (vertx-sql-client 4.5, {@code SocketConnectionBase}).
     */
    private static final String CONNECTION_NOT_ACTIVE = "Connection is not active now";

    /** Seconds a client should wait before retrying. */
    static final String RETRY_AFTER_SECONDS = "5";

    private DependencyUnavailable() {
    }

    private static boolean transientSqlState(Throwable pgException) {
        try {
            Object state = pgException.getClass().getMethod("getSqlState").invoke(pgException);
            if (state instanceof String sqlState) {
                return TRANSIENT_SQL_STATES.stream().anyMatch(sqlState::startsWith);
            }
        } catch (ReflectiveOperationException | RuntimeException notAPgException) {
            // treated as not transient below
        }
        return false;
    }

    static boolean causedBy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
                if (UNAVAILABLE.contains(type.getName())
                        || ("io.vertx.pgclient.PgException".equals(type.getName()) && transientSqlState(t))
                        || ("io.vertx.core.impl.NoStackTraceThrowable".equals(type.getName())
                                && t.getMessage() != null && t.getMessage().startsWith(CONNECTION_NOT_ACTIVE))) {
                    return true;
                }
            }
        }
        return false;
    }
}
