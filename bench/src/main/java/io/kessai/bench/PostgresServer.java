package io.kessai.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The stack's PostgreSQL as the benchmark sees it directly: its settings, and a database of pgbench's own. */
final class PostgresServer {

    /** The settings that decide what a write transaction costs, reported next to the figures. */
    static final List<String> REPORTED_SETTINGS = List.of("server_version", "shared_buffers", "synchronous_commit",
            "fsync", "wal_level", "max_connections", "checkpoint_timeout", "max_wal_size");

    static final String USER = "postgres";

    static final List<String> SYNCHRONOUS_COMMIT_VALUES = List.of("on", "off", "local", "remote_write",
            "remote_apply");

    private final int port;

    PostgresServer(int port) {
        this.port = port;
    }

    int port() {
        return port;
    }

    /** The reported settings as a new session of {@code database} sees them (per-database settings included). */
    Map<String, String> settings(String database) throws SQLException {
        Map<String, String> settings = new LinkedHashMap<>();
        try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
            for (String name : REPORTED_SETTINGS) {
                try (ResultSet row = statement.executeQuery("SHOW " + name)) {
                    row.next();
                    settings.put(name, row.getString(1));
                }
            }
        }
        return settings;
    }

    /**
     * Writes all dirty pages now, so that a checkpoint (and the full-page writes after it) does not land inside one
     * measured phase and not another.
     */
    void checkpoint() throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
        }
    }

    /** Creates {@code name} empty, dropping a leftover one, so pgbench never shares tables with the services. */
    void recreateDatabase(String name) throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + name);
        }
    }

    /**
     * Sets {@code synchronous_commit} for new sessions of {@code database}, to measure what durability costs. The
     * stack's server starts with it on, as production runs; a per-database setting outranks that.
     */
    void setSynchronousCommit(String database, String value) throws SQLException {
        if (!SYNCHRONOUS_COMMIT_VALUES.contains(value)) { // it goes into SQL text
            throw new IllegalArgumentException("not a synchronous_commit value: " + value);
        }
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("ALTER DATABASE " + database + " SET synchronous_commit = " + value);
        }
    }

    /** Transactions committed so far in each database (pg_stat_database), to count commits per unit of work. */
    Map<String, Long> commits() {
        Map<String, Long> commits = new LinkedHashMap<>();
        try (Connection connection = connect("postgres");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT datname, xact_commit FROM pg_stat_database"
                        + " WHERE datname IS NOT NULL ORDER BY datname")) {
            while (rows.next()) {
                commits.put(rows.getString(1), rows.getLong(2));
            }
        } catch (SQLException e) {
            throw new BenchmarkException("reading pg_stat_database failed: " + e.getMessage());
        }
        return commits;
    }

    /** A session of {@code database} as the superuser, for the benchmark's own setup. */
    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, "");
    }
}
