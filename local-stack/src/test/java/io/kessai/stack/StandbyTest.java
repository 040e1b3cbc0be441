package io.kessai.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failover drill's database: a synchronous standby that, once promoted, has every acknowledged commit. */
class StandbyTest {

    private static final Duration REPLAY_WAIT = Duration.ofSeconds(30);

    @TempDir
    Path folder;

    @Test
    void promotedStandbyHasEveryCommitThePrimaryAcknowledgedBeforeItsCrash() throws Exception {
        Postgres primary = Postgres.start(folder.resolve("primary"), 0);
        try (Postgres standby = primary.startStandby(folder.resolve("standby"), 0)) {
            primary.ensureDatabase("wallet");
            execute(primary, "CREATE TABLE transfer (id int PRIMARY KEY)", "INSERT INTO transfer VALUES (1)");
            // A synchronous commit is on the standby's disk, not necessarily replayed yet: visible a moment later.
            awaitCount(standby, 1);
            assertEquals("sync", queryString(primary, "postgres",
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + Postgres.STANDBY_NAME
                            + "'"));
            assertThrows(SQLException.class, () -> execute(standby, "INSERT INTO transfer VALUES (0)"),
                    "a standby is read-only");

            // Each its own commit, the last acknowledged just before the crash: none may be lost.
            try (Connection connection = connect(primary); Statement statement = connection.createStatement()) {
                for (int id = 2; id <= 20; id++) {
                    statement.execute("INSERT INTO transfer VALUES (" + id + ")");
                }
            }
            primary.crash();
            standby.promote();

            execute(standby, "INSERT INTO transfer VALUES (21)");
            assertEquals("21", queryString(standby, "wallet", "SELECT count(*) FROM transfer"));
            assertEquals("210", queryString(standby, "wallet", "SELECT sum(id) FROM transfer WHERE id <= 20"),
                    "rows 1 to 20, all there");
            assertEquals("false", queryString(standby, "postgres", "SELECT pg_is_in_recovery()::text"));
            assertEquals("", queryString(standby, "postgres", "SHOW synchronous_standby_names"),
                    "the new primary waits for no standby");

            // A server started later on the old primary's folder has no standby: it must not wait for one.
            primary.close();
            try (Postgres former = Postgres.start(folder.resolve("primary"), 0)) {
                awaitSetting(former, "synchronous_standby_names", "");
                execute(former, "INSERT INTO transfer VALUES (21)");
            }
        } finally {
            primary.close();
        }
    }

    @Test
    void onlyADurableServerCanHaveAStandby() throws Exception {
        try (Postgres throwAway = Postgres.start(null, 0)) {
            assertThrows(IllegalStateException.class, () -> throwAway.startStandby(folder.resolve("standby"), 0));
            assertThrows(IllegalStateException.class, throwAway::promote, "a primary is no standby");
        }
    }

    private static void awaitCount(Postgres server, long expected) throws Exception {
        Instant deadline = Instant.now().plus(REPLAY_WAIT);
        String count = null;
        while (true) {
            try {
                count = queryString(server, "wallet", "SELECT count(*) FROM transfer");
            } catch (SQLException notReplayedYet) {
                // neither the database nor the table may exist there yet
            }
            if (String.valueOf(expected).equals(count)) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("standby has " + count + " rows after " + REPLAY_WAIT + ", not " + expected);
            }
            Thread.sleep(10);
        }
    }

    /** New connections see a reloaded setting once the server has reloaded, a moment after pg_reload_conf(). */
    private static void awaitSetting(Postgres server, String name, String expected) throws Exception {
        Instant deadline = Instant.now().plus(REPLAY_WAIT);
        String value;
        while (!expected.equals(value = queryString(server, "postgres", "SHOW " + name))) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(
                        name + " is '" + value + "' after " + REPLAY_WAIT + ", not '" + expected + "'");
            }
            Thread.sleep(10);
        }
    }

    private static Connection connect(Postgres server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl("wallet"), Postgres.SUPERUSER, "");
    }

    private static void execute(Postgres server, String... sql) throws SQLException {
        try (Connection connection = connect(server); Statement statement = connection.createStatement()) {
            for (String each : sql) {
                statement.execute(each);
            }
        }
    }

    private static String queryString(Postgres server, String database, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), Postgres.SUPERUSER, "");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }
}
