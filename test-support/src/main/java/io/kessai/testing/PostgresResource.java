package io.kessai.testing;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.kessai.stack.Postgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} a real, empty PostgreSQL database.
 *
 * <p>By default an embedded server (real PostgreSQL binaries, no Docker) starts for the test JVM. When
 * {@value #EXTERNAL_URL} names a server ({@code jdbc:postgresql://host:port/postgres}, with {@value #EXTERNAL_USER}
 * and {@value #EXTERNAL_PASSWORD}), a uniquely named database is created there instead and dropped afterwards.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    public static final String EXTERNAL_URL = "KESSAI_TEST_DB_URL";
    public static final String EXTERNAL_USER = "KESSAI_TEST_DB_USER";
    public static final String EXTERNAL_PASSWORD = "KESSAI_TEST_DB_PASSWORD";

    private Postgres embedded;
    private String externalUrl;
    private String database;

    @Override
    public Map<String, String> start() {
        database = "kessai_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        externalUrl = System.getenv(EXTERNAL_URL);
        try {
            if (externalUrl != null && !externalUrl.isBlank()) {
                return startOnExternalServer();
            }
            embedded = Postgres.start(null, 0);
            embedded.ensureDatabase(database);
            return datasource(embedded.jdbcUrl(database), embedded.reactiveUrl(database), Postgres.SUPERUSER, "");
        } catch (Exception e) {
            throw new IllegalStateException("could not provide a PostgreSQL database for the tests", e);
        }
    }

    private Map<String, String> startOnExternalServer() throws SQLException {
        String user = System.getenv().getOrDefault(EXTERNAL_USER, "postgres");
        String password = System.getenv().getOrDefault(EXTERNAL_PASSWORD, "");
        execute("CREATE DATABASE " + database, user, password);
        URI server = URI.create(externalUrl.substring("jdbc:".length()));
        String hostPort = server.getHost() + ":" + (server.getPort() > 0 ? server.getPort() : 5432);
        return datasource("jdbc:postgresql://" + hostPort + "/" + database, "postgresql://" + hostPort + "/" + database,
                user, password);
    }

    private static Map<String, String> datasource(String jdbcUrl, String reactiveUrl, String user, String password) {
        return Map.of(
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.reactive.url", reactiveUrl,
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    @Override
    public void stop() {
        try {
            if (embedded != null) {
                embedded.close();
            } else if (externalUrl != null && !externalUrl.isBlank()) {
                execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)",
                        System.getenv().getOrDefault(EXTERNAL_USER, "postgres"),
                        System.getenv().getOrDefault(EXTERNAL_PASSWORD, ""));
            }
        } catch (Exception e) {
            System.err.println("Could not clean up test database " + database + ": " + e.getMessage());
        }
    }

    private void execute(String sql, String user, String password) throws SQLException {
        try (Connection connection = DriverManager.getConnection(externalUrl, user, password);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
