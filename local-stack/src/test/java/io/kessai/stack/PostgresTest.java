package io.kessai.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack's database: real PostgreSQL, data kept across restarts, plain database names only. */
class PostgresTest {

    @TempDir
    Path data;

    @Test
    void dataSurvivesARestart() throws Exception {
        try (Postgres first = Postgres.start(data, 0)) {
            first.ensureDatabase("wallet");
            execute(first, "wallet", "CREATE TABLE kept (yen bigint); INSERT INTO kept VALUES (1200)");
        }
        try (Postgres second = Postgres.start(data, 0)) {
            assertEquals("wallet", second.ensureDatabase("wallet"), "existing database is reused");
            try (Connection connection = DriverManager.getConnection(second.jdbcUrl("wallet"), Postgres.SUPERUSER, "");
                    Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SELECT yen FROM kept")) {
                row.next();
                assertEquals(1200, row.getLong(1));
            }
        }
    }

    @Test
    void onlyPlainDatabaseNamesAreAccepted() throws Exception {
        try (Postgres server = Postgres.start(null, 0)) {
            assertThrows(IllegalArgumentException.class, () -> server.ensureDatabase("x; DROP DATABASE postgres"));
            assertThrows(IllegalArgumentException.class, () -> server.dropDatabase("Wallet"));
        }
    }

    private static void execute(Postgres server, String database, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(database), Postgres.SUPERUSER, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
