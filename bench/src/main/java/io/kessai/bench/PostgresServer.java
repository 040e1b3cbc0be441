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

    /**
     * The risk engine's statements in payment-service's database: its figures query, its decisions, and the running
     * totals it keeps (RiskEngine, Totals), as pg_stat_statements shows them (normalized, so by their opening words).
     */
    static final String RISK_STATEMENTS = "^(SELECT v\\.i, |INSERT INTO (risk_decision|customer_day_total|"
            + "customer_period_total)|UPDATE (risk_decision|customer_day_total|customer_period_total))";

    /** Server settings the payments benchmark needs: statement statistics, to see what the risk engine costs. */
    static final Map<String, String> STATEMENT_STATISTICS = Map.of("shared_preload_libraries", "pg_stat_statements",
            "pg_stat_statements.track", "top");

    /**
     * Milliseconds PostgreSQL spent executing the risk engine's statements so far ({@link #RISK_STATEMENTS}), or -1
     * when statement statistics are not loaded. Executing a cached statement is CPU in its backend, so this is the
     * engine's PostgreSQL CPU, lock waits aside.
     */
    double riskStatementMillis() {
        try (Connection connection = connect("payment"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            try (ResultSet row = statement.executeQuery("SELECT coalesce(sum(s.total_exec_time), 0) FROM "
                    + "pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'payment' "
                    + "AND s.query ~ '" + RISK_STATEMENTS + "'")) {
                row.next();
                return row.getDouble(1);
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    /** A session of {@code database} as the superuser, for the benchmark's own setup. */
    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, "");
    }
}
