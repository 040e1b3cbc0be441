package io.kessai.auth.oidc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import io.kessai.common.problem.ProblemException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Which database failures let a client secret be checked without the wrong-secret limits: only a database that is
 * gone. One that is busy is something a guesser can cause, so it fails the request instead. (That tokens are issued
 * while PostgreSQL is down is system-tests' DatabaseCrashIT.)
 */
class ClientAuthenticationTest {

    @Test
    void aRefusedOrLostConnectionIsADatabaseGone() {
        assertTrue(ClientAuthentication.databaseGone(new ConnectException("Connection refused")));
        assertTrue(ClientAuthentication.databaseGone(new CompletionException(new ConnectException("refused"))));
        assertTrue(ClientAuthentication.databaseGone(ClosedConnectionException.INSTANCE));
        assertTrue(ClientAuthentication.databaseGone(pg("08006")), "connection failure");
        assertTrue(ClientAuthentication.databaseGone(pg("57P01")), "admin shutdown");
    }

    @Test
    void aBusyDatabaseOrAnyOtherFailureIsNot() {
        assertFalse(ClientAuthentication.databaseGone(pg("53300")), "too many connections");
        assertFalse(ClientAuthentication.databaseGone(pg("57014")), "statement timeout");
        assertFalse(ClientAuthentication.databaseGone(pg("23505")), "unique violation");
        assertFalse(ClientAuthentication.databaseGone(new TimeoutException("pool")));
        assertFalse(ClientAuthentication.databaseGone(ProblemException.unavailable("busy")));
        assertFalse(ClientAuthentication.databaseGone(new IllegalStateException("bug")));
    }

    private static PgException pg(String sqlState) {
        return new PgException("test", "ERROR", sqlState, null);
    }
}
