package io.kessai.common.problem;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** Which failures a caller is told to retry (503) and which are bugs (500), as the database dies under a write. */
class DependencyUnavailableTest {

    @Test
    void aConnectionToTheDatabaseThatBreaksMidRequestIsUnavailableNotABug() {
        // What a write saw when PostgreSQL was killed: the socket gone while the statement was being sent.
        assertTrue(DependencyUnavailable.causedBy(new CompletionException(new IOException("Broken pipe"))));
        assertTrue(DependencyUnavailable.causedBy(new SocketException("Connection reset")));
        assertTrue(DependencyUnavailable.causedBy(new ConnectException("Connection refused")));
        assertTrue(DependencyUnavailable.causedBy(ClosedConnectionException.INSTANCE));
        // A pipelined statement sent on a connection that had just died (DatabaseCrashIT saw it answered 500).
        assertTrue(DependencyUnavailable.causedBy(
                new NoStackTraceThrowable("Connection is not active now, current status: CLOSED")));
    }

    @Test
    void postgresRefusalsThatMeanNotNowAreUnavailable() {
        assertTrue(DependencyUnavailable.causedBy(new PgException("terminating connection", "FATAL", "57P01", null)));
        assertTrue(DependencyUnavailable.causedBy(
                new PgException("the database system is not yet accepting connections", "FATAL", "57P03", null)));
        assertTrue(DependencyUnavailable.causedBy(new PgException("lock timeout", "ERROR", "55P03", null)));
        assertTrue(DependencyUnavailable.causedBy(new PgException("deadlock detected", "ERROR", "40P01", null)));
    }

    @Test
    void bugsStayBugs() {
        assertFalse(DependencyUnavailable.causedBy(new IllegalStateException("a bug")));
        assertFalse(DependencyUnavailable.causedBy(new NoStackTraceThrowable("some other failure")));
        assertFalse(DependencyUnavailable.causedBy(new PgException("duplicate key", "ERROR", "23505", null)));
        assertFalse(DependencyUnavailable.causedBy(new PgException("division by zero", "ERROR", "22012", null)));
    }
}
