package io.kessai.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.junit.jupiter.api.Test;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.kessai.testing.TokenMinter;

/**
 * Several replicas of a service starting at once against one empty database, as a first install or a scale-up with a
 * new migration does: for each service, two processes are launched at the same moment; both become ready, Flyway's
 * PostgreSQL advisory lock lets exactly one apply the migrations while the other waits and finds the schema up to
 * date, and the history holds every migration once, successful.
 *
 * <p>The pairs start one service after the other (two JVMs at a time suit a 2-core machine), auth-service first: the
 * others fetch its signing keys. Its own stack, not {@link RunningStack}'s, whose databases are migrated already.
 */
class ConcurrentMigrationIT {

    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final Pattern LOG_LINE = Pattern
            .compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}) +(\\w+) ");
    private static final Pattern APPLIED = Pattern
            .compile("Successfully applied (\\d+) migrations? to schema \"public\"");
    private static final Pattern UP_TO_DATE = Pattern.compile("Schema \"public\" is up to date");
    /** Flyway's first line of a migrate, before it asks for the lock. */
    private static final Pattern FLYWAY_STARTS = Pattern
            .compile("\\[org\\.flywaydb\\.[^]]*] .*Database: jdbc:postgresql");
    /**
     * The key of Flyway's PostgreSQL advisory lock (PostgreSQLAdvisoryLockTemplate, Flyway 12): a constant plus the
     * hash of the history table's quoted name. Every replica of a service takes it to create the history table and to
     * migrate; the test holds it to make the replicas contend.
     */
    private static final long FLYWAY_LOCK = 77_431_708_279_161L + "\"public\".\"flyway_schema_history\"".hashCode();
    private static final Pattern LISTENING = Pattern.compile("started in .* Listening on");

    @Test
    void twoReplicasStartingTogetherOnAnEmptyDatabaseMigrateItOnceAndBothBecomeReady() throws Exception {
        Path repository = Path.of(System.getProperty("kessai.repository", "..")).toAbsolutePath().normalize();
        Path runs = Files.createDirectories(repository.resolve("system-tests/target/stack"));
        Path data = Files.createTempDirectory(runs,
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-'migrations-'")));
        long startNs = System.nanoTime();
        try (LocalStack stack = LocalStack.startWithoutServices(LocalStack.settings(repository, data)
                .withFreePorts())) {
            provisionSharedKeys(stack);
            for (Service service : Service.values()) {
                long serviceNs = System.nanoTime();
                List<LocalStack.Replica> replicas = launchContending(stack, service);
                List<Instant> ready = stack.awaitReady(replicas);
                assertMigratedOnce(stack, service, repository, replicas, ready);
                System.out.printf("%s: two replicas ready and the schema migrated once in %d ms%n", service.module(),
                        (System.nanoTime() - serviceNs) / 1_000_000);
                if (service != Service.AUTH) {
                    // Only auth-service is needed by the next ones; the others would just take memory and CPU.
                    stack.stop(service);
                }
            }
        }
        System.out.printf("ConcurrentMigrationIT: four services in %d ms (logs in %s)%n",
                (System.nanoTime() - startNs) / 1_000_000, data.resolve("logs"));
    }

    /**
     * Launches two replicas while holding Flyway's advisory lock on the empty database, and releases it only once both
     * have begun migrating and are waiting for it. Their JVMs start hundreds of milliseconds apart and the
     * migrations take a few dozen, so without this the second replica would usually find the work done already and
     * the lock would never be contended.
     */
    private static List<LocalStack.Replica> launchContending(LocalStack stack, Service service) throws Exception {
        try (Connection gate = database(stack, service); Statement lock = gate.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + FLYWAY_LOCK + ")");
            List<LocalStack.Replica> replicas = stack.launchReplicas(service, 2);
            Eventually.until(service.module() + " replicas both began migrating", Duration.ofMinutes(1),
                    () -> replicas.stream().allMatch(replica -> flywayStarted(replica.logFile())));
            // Both in Flyway's lock retry loop: each has tried the lock (pg_try_advisory_xact_lock, once a second)
            // and been refused, as PostgreSQL's sessions show.
            Eventually.until(service.module() + " replicas both tried Flyway's lock", Duration.ofMinutes(1),
                    () -> sessionsTryingTheLock(lock) >= 2);
            try (ResultSet history = lock.executeQuery("SELECT to_regclass('flyway_schema_history') IS NULL")) {
                history.next();
                assertTrue(history.getBoolean(1), service.module()
                        + ": no replica created the schema history while the test held Flyway's lock (is it the lock?)");
            }
            lock.execute("SELECT pg_advisory_unlock(" + FLYWAY_LOCK + ")");
            return replicas;
        }
    }

    /** Other sessions on this database whose latest statement was Flyway's try of its advisory lock. */
    private static int sessionsTryingTheLock(Statement lock) {
        try (ResultSet trying = lock.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                + "current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_try_advisory%lock(%'")) {
            trying.next();
            return trying.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not read pg_stat_activity", e);
        }
    }

    private static boolean flywayStarted(Path log) {
        try {
            return Files.exists(log) && Files.readAllLines(log).stream().anyMatch(FLYWAY_STARTS.asPredicate());
        } catch (IOException partlyWritten) {
            return false;
        }
    }

    private static Connection database(LocalStack stack, Service service) throws java.sql.SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + stack.postgresPort() + "/" + service.database(), "postgres", "");
    }

    /**
     * What replicas share and must not invent, put there before they start (docs/operations.md, "Several replicas"):
     * auth-service's first signing key and OTP pepper, and payment-service's seal key.
     */
    private static void provisionSharedKeys(LocalStack stack) throws IOException {
        String kid = LocalDateTime.now(ZoneId.of("UTC")).format(DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss"))
                + "-migrations";
        RsaJsonWebKey key = TokenMinter.newKey(kid);
        Files.createDirectories(stack.signingKeyDirectory());
        Files.writeString(stack.signingKeyDirectory().resolve(kid + ".jwk.json"),
                key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
        byte[] seal = new byte[32];
        new SecureRandom().nextBytes(seal);
        Files.createDirectories(stack.sealKeyFile().getParent());
        Files.writeString(stack.sealKeyFile(), Base64.getEncoder().encodeToString(seal));
        byte[] pepper = new byte[32];
        new SecureRandom().nextBytes(pepper);
        Files.createDirectories(stack.otpPepperFile().getParent());
        Files.writeString(stack.otpPepperFile(), java.util.HexFormat.of().formatHex(pepper));
    }

    private static void assertMigratedOnce(LocalStack stack, Service service, Path repository,
            List<LocalStack.Replica> replicas, List<Instant> ready) throws Exception {
        String name = service.module();
        List<String> expected = migrationScripts(repository, service);
        List<String> versions = new ArrayList<>();
        List<String> scripts = new ArrayList<>();
        try (Connection db = database(stack, service);
                Statement query = db.createStatement();
                ResultSet rows = query.executeQuery(
                        "SELECT version, script, success FROM flyway_schema_history ORDER BY installed_rank")) {
            while (rows.next()) {
                assertTrue(rows.getBoolean("success"), name + ": " + rows.getString("script") + " succeeded");
                scripts.add(rows.getString("script"));
                if (rows.getString("version") != null) {
                    versions.add(rows.getString("version"));
                }
            }
        }
        assertEquals(expected.size(), scripts.size(),
                name + ": one history row per migration file " + expected + ", got " + scripts);
        assertEquals(new TreeSet<>(expected), new TreeSet<>(scripts), name + ": every migration file, once");
        assertEquals(versions.size(), new TreeSet<>(versions).size(), name + ": no version twice " + versions);

        List<ReplicaLog> logs = new ArrayList<>();
        for (LocalStack.Replica replica : replicas) {
            assertTrue(replica.process().isAlive(), name + " replica " + replica.number() + " is alive");
            logs.add(ReplicaLog.read(replica.logFile()));
        }
        for (int i = 0; i < replicas.size(); i++) {
            assertEquals(List.of(), logs.get(i).errors(), name + " replica " + (i + 1) + " logged no ERROR");
        }

        List<ReplicaLog> appliers = logs.stream().filter(log -> log.applied().isPresent()).toList();
        List<ReplicaLog> upToDate = logs.stream().filter(log -> log.upToDate().isPresent()).toList();
        assertEquals(1, appliers.size(), name + ": exactly one replica applied the migrations");
        assertEquals(1, upToDate.size(), name + ": the other found the schema up to date");
        assertEquals(expected.size(), appliers.get(0).appliedCount(), name + ": it applied all of them");

        // Not vacuous: both processes existed before either could serve, and both had begun migrating before the
        // one that applied the migrations was done, i.e. the second waited on the lock rather than coming late.
        Instant lastLaunch = replicas.stream().map(LocalStack.Replica::launchedAt).max(Instant::compareTo).get();
        Instant firstListening = logs.stream().map(log -> log.listening().get()).min(Instant::compareTo).get();
        Instant firstReady = ready.stream().min(Instant::compareTo).get();
        assertTrue(lastLaunch.isBefore(firstListening), name + ": both launched (last at " + lastLaunch
                + ") before either listened (first at " + firstListening + ")");
        assertTrue(lastLaunch.isBefore(firstReady), name + ": both launched before either was ready");
        ReplicaLog applier = appliers.get(0);
        ReplicaLog waiter = upToDate.get(0);
        assertTrue(waiter.flywayStarts().get().isBefore(applier.applied().get()), name
                + ": the up-to-date replica began migrating before the other had applied the migrations");
        assertTrue(!waiter.upToDate().get().isBefore(applier.applied().get()),
                name + ": it found the schema up to date only after the other had applied it");
        System.out.printf("%s: launched %s and %s; Flyway began at %s (applier) and %s (the other); applied %d by %s;"
                + " ready at %s and %s%n", name, replicas.get(0).launchedAt(), replicas.get(1).launchedAt(),
                applier.flywayStarts().orElse(null), waiter.flywayStarts().orElse(null), applier.appliedCount(),
                applier.applied().get(), ready.get(0), ready.get(1));
    }

    /** The service's migration scripts as Flyway names them in the history: its own and, if it has one, the outbox's. */
    private static List<String> migrationScripts(Path repository, Service service) throws IOException {
        List<Path> folders = new ArrayList<>(
                List.of(repository.resolve(service.module()).resolve("src/main/resources/db/migration")));
        if (service.usesOutbox()) {
            folders.add(repository.resolve("outbox/src/main/resources/db/outbox"));
        }
        List<String> scripts = new ArrayList<>();
        for (Path folder : folders) {
            try (Stream<Path> files = Files.list(folder)) {
                // Flyway records a script under its location, e.g. db/outbox/R__kessai_outbox.sql.
                files.map(file -> "db/" + folder.getFileName() + "/" + file.getFileName())
                        .filter(script -> script.endsWith(".sql")).forEach(scripts::add);
            }
        }
        assertTrue(!scripts.isEmpty(), "migrations found in " + folders);
        return scripts;
    }

    /** What one replica's log says about its start. */
    private record ReplicaLog(List<String> errors, Optional<Instant> flywayStarts, Optional<Instant> applied,
            int appliedCount, Optional<Instant> upToDate, Optional<Instant> listening) {

        static ReplicaLog read(Path file) throws IOException {
            List<String> errors = new ArrayList<>();
            Instant flywayStarts = null;
            Instant applied = null;
            int appliedCount = 0;
            Instant upToDate = null;
            Instant listening = null;
            for (String line : Files.readAllLines(file)) {
                Matcher head = LOG_LINE.matcher(line);
                if (!head.find()) {
                    continue; // a stack trace's continuation, or the JVM's own output
                }
                Instant at = LocalDateTime.parse(head.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant();
                if (head.group(2).equals("ERROR")) {
                    errors.add(line);
                }
                Matcher appliedLine = APPLIED.matcher(line);
                if (flywayStarts == null && FLYWAY_STARTS.matcher(line).find()) {
                    flywayStarts = at;
                } else if (appliedLine.find()) {
                    applied = at;
                    appliedCount = Integer.parseInt(appliedLine.group(1));
                } else if (UP_TO_DATE.matcher(line).find()) {
                    upToDate = at;
                } else if (listening == null && LISTENING.matcher(line).find()) {
                    listening = at;
                }
            }
            return new ReplicaLog(errors, Optional.ofNullable(flywayStarts), Optional.ofNullable(applied),
                    appliedCount, Optional.ofNullable(upToDate), Optional.ofNullable(listening));
        }
    }
}
