package io.kessai.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Runs Kessai on one machine: an embedded PostgreSQL with a database per service and the four services as separate
 * JVM processes started from their built artifacts, each configured through a generated properties file.
 *
 * <p>The data folder holds everything that must survive a restart: PostgreSQL's files, auth-service's signing keys,
 * the generated client secrets (one per service, and one for {@link #OPS_CLIENT}), and the logs.
 *
 * <p>The service processes never outlive the JVM that started them, however it ends short of a hard kill: besides
 * {@link #close()}, a shutdown hook stops them (and PostgreSQL) when the JVM exits, e.g. a test JVM that Maven
 * stops on a timeout or Ctrl-C in a terminal.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * The operators' client, as docs/operations.md provisions it: role ops only, so its tokens read and freeze but
     * hold no service scope and move no money.
     */
    public static final String OPS_CLIENT = "ops-console";

    private final Settings settings;
    private final Map<Service, Integer> ports;
    /** Guarded by itself; {@link #close()} and a launch must not interleave, or a process could be left behind. */
    private final Map<Service, Process> processes = new EnumMap<>(Service.class);
    /** Further processes of a service besides the one in {@link #processes}; guarded by {@link #processes} too. */
    private final List<Replica> extraReplicas = new ArrayList<>();
    private final Properties secrets;
    private final Thread stopOnExit = new Thread(this::close, "kessai-stack-stop");
    private volatile Postgres postgres;
    private boolean closed;

    /** Everything the stack needs to know; build one with {@link #settings(Path, Path)}. */
    public record Settings(Path repository, Path dataDirectory, int postgresPort, Map<Service, Integer> ports,
            Duration readyTimeout, List<String> jvmOptions, Map<String, String> postgresSettings) {

        public Settings withPorts(int postgresPort, Map<Service, Integer> ports) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings);
        }

        public Settings withJvmOptions(List<String> jvmOptions) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings);
        }

        /** PostgreSQL server settings besides the stack's own (a benchmark's {@code shared_preload_libraries}). */
        public Settings withPostgresSettings(Map<String, String> postgresSettings) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    Map.copyOf(postgresSettings));
        }

        /** PostgreSQL and every service on ports that {@link FreePorts} picks at start (as the tests run it). */
        public Settings withFreePorts() {
            Map<Service, Integer> any = new EnumMap<>(Service.class);
            for (Service service : Service.values()) {
                any.put(service, 0);
            }
            return withPorts(0, any);
        }
    }

    public static Settings settings(Path repository, Path dataDirectory) {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            ports.put(service, service.defaultPort());
        }
        return new Settings(repository, dataDirectory, Postgres.DEFAULT_PORT, ports, Duration.ofSeconds(120),
                List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Map.of());
    }

    private LocalStack(Settings settings) throws IOException {
        this.settings = settings;
        this.ports = new EnumMap<>(settings.ports());
        this.secrets = loadOrCreateSecrets(settings.dataDirectory().resolve("secrets.properties"));
    }

    /** The settings with every port 0 replaced by a distinct free one, PostgreSQL's included. */
    private static Settings withChosenPorts(Settings settings) {
        Map<Service, Integer> ports = new EnumMap<>(settings.ports());
        long wanted = ports.values().stream().filter(port -> port == 0).count()
                + (settings.postgresPort() == 0 ? 1 : 0);
        if (wanted == 0) {
            return settings;
        }
        java.util.Iterator<Integer> free = FreePorts.pick((int) wanted).iterator();
        ports.replaceAll((service, port) -> port == 0 ? free.next() : port);
        int postgresPort = settings.postgresPort() == 0 ? free.next() : settings.postgresPort();
        return settings.withPorts(postgresPort, ports);
    }

    /** Starts PostgreSQL and the four services and returns once every service reports ready. */
    public static LocalStack start(Settings settings) throws Exception {
        LocalStack stack = startWithoutServices(settings);
        try {
            for (Service service : Service.values()) {
                stack.launch(service);
            }
            stack.awaitReady();
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    /**
     * Starts PostgreSQL with a database per service (empty in a new data folder) and no service: the caller starts
     * them with {@link #launchReplicas(Service, int)}, e.g. to watch several replicas migrate one database at once.
     */
    public static LocalStack startWithoutServices(Settings settings) throws Exception {
        for (Service service : Service.values()) {
            Path jar = runnerJar(settings.repository(), service);
            if (!Files.isRegularFile(jar)) {
                throw new StackException(service.module() + " is not built (" + settings.repository().relativize(jar)
                        + " is missing): run ./mvnw package -DskipTests, or ./kessai up which builds it.");
            }
        }
        Files.createDirectories(settings.dataDirectory());
        LocalStack stack = new LocalStack(withChosenPorts(settings));
        Runtime.getRuntime().addShutdownHook(stack.stopOnExit);
        try {
            stack.startPostgres();
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    public static Path runnerJar(Path repository, Service service) {
        return repository.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar");
    }

    public URI url(Service service) {
        return URI.create("http://127.0.0.1:" + ports.get(service));
    }

    /** The issuer auth-service writes into tokens and the other services expect. */
    public String issuer() {
        return url(Service.AUTH).toString();
    }

    public int postgresPort() {
        return postgres.port();
    }

    public Path logFile(Service service) {
        return settings.dataDirectory().resolve("logs").resolve(service.module() + ".log");
    }

    public Path signingKeyDirectory() {
        return settings.dataDirectory().resolve("auth/signing-keys");
    }

    /** The AES key sealing payment keys at rest, which every payment-service replica reads. */
    public Path sealKeyFile() {
        return settings.dataDirectory().resolve("payment/cpm-seal.key");
    }

    /** The generated client secret that {@code caller} uses for client-credentials tokens. */
    public String clientSecret(Service caller) {
        return secrets.getProperty(caller.module());
    }

    /** The generated secret of {@link #OPS_CLIENT}, the operators' client (role ops, no service scope). */
    public String opsClientSecret() {
        return secrets.getProperty(OPS_CLIENT);
    }

    public Process process(Service service) {
        synchronized (processes) {
            return processes.get(service);
        }
    }

    private void startPostgres() throws Exception {
        // Always in the data folder, so PostgreSQL runs durable (see Postgres) and can be crashed and restarted.
        postgres = Postgres.start(settings.dataDirectory().resolve("postgres"), settings.postgresPort(),
                settings.postgresSettings());
        for (Service service : Service.values()) {
            postgres.ensureDatabase(service.database());
        }
    }

    /**
     * Kills PostgreSQL as a crash would (SIGKILL), leaving the services running: they see their connections drop and
     * must answer 503 until {@link #restartPostgres()}.
     */
    public void crashPostgres() throws Exception {
        postgres.crash();
    }

    /** Starts PostgreSQL again on the same data and port after {@link #crashPostgres()}; it replays its WAL. */
    public void restartPostgres() throws Exception {
        postgres = postgres.restart();
    }

    /**
     * One process of a service: the first of {@link #launchReplicas(Service, int)} is the one {@link #url(Service)},
     * {@link #stop(Service)} and the other services know; the others listen on ports of their own and stop with
     * {@link #close()}.
     */
    public record Replica(Service service, int number, int port, Process process, Path logFile, Instant launchedAt) {

        public URI url() {
            return URI.create("http://127.0.0.1:" + port);
        }
    }

    /**
     * Launches {@code count} processes of a service at the same moment, against its one database, as a Deployment's
     * replicas start: each on a port of its own, with its own working folder and log, sharing the stack's signing-key
     * folder and CPM seal key, neither of which a replica may invent (generation off, as docs/operations.md's "Several
     * replicas" configures them; put the keys there first). Returns without waiting; see
     * {@link #awaitReady(List)}.
     */
    public List<Replica> launchReplicas(Service service, int count) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("at least one replica");
        }
        List<Integer> replicaPorts = new ArrayList<>(List.of(ports.get(service)));
        replicaPorts.addAll(FreePorts.pick(count - 1));
        List<ProcessBuilder> builders = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int number = 1; number <= count; number++) {
            String name = number == 1 ? service.module() : service.module() + "-" + number;
            Path log = settings.dataDirectory().resolve("logs").resolve(name + ".log");
            logs.add(log);
            builders.add(processOf(service, name, configurationOf(service, replicaPorts.get(number - 1), true), log));
        }
        List<Replica> replicas = new ArrayList<>();
        synchronized (processes) {
            if (closed) {
                throw new StackException("the stack is stopping; " + service.module() + " is not started");
            }
            if (processes.containsKey(service)) {
                throw new StackException(service.module() + " is running already");
            }
            // Started one right after the other, with everything else prepared above: milliseconds apart.
            for (int number = 1; number <= count; number++) {
                Process process = builders.get(number - 1).start();
                Replica replica = new Replica(service, number, replicaPorts.get(number - 1), process,
                        logs.get(number - 1), Instant.now());
                replicas.add(replica);
                if (number == 1) {
                    processes.put(service, process);
                } else {
                    extraReplicas.add(replica);
                }
            }
        }
        return replicas;
    }

    /**
     * Waits until every replica answers 200 on /q/health/ready, polling all of them in turn, and answers the moment
     * each was first seen ready (in the order given).
     */
    public List<Instant> awaitReady(List<Replica> replicas) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(settings.readyTimeout());
        Instant[] ready = new Instant[replicas.size()];
        int waiting = replicas.size();
        while (waiting > 0) {
            for (int i = 0; i < replicas.size(); i++) {
                Replica replica = replicas.get(i);
                if (ready[i] != null) {
                    continue;
                }
                if (!replica.process().isAlive()) {
                    throw new StackException(replica.service().module() + " replica " + replica.number()
                            + " exited with code " + replica.process().exitValue() + " during start; see "
                            + replica.logFile());
                }
                if (isReady(http, replica.url().resolve("/q/health/ready"))) {
                    ready[i] = Instant.now();
                    waiting--;
                }
            }
            if (waiting > 0) {
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException(replicas.get(0).service().module() + " replicas were not ready within "
                            + settings.readyTimeout().toSeconds() + " s; see " + replicas.get(0).logFile().getParent());
                }
                Thread.sleep(50);
            }
        }
        return List.of(ready);
    }

    private void launch(Service service) throws IOException {
        ProcessBuilder builder = processOf(service, service.module(),
                configurationOf(service, ports.get(service), false), logFile(service));
        synchronized (processes) {
            if (closed) {
                throw new StackException("the stack is stopping; " + service.module() + " is not started again");
            }
            processes.put(service, builder.start());
        }
    }

    /** The process of one instance, configured and ready to start; {@code name} names its folder and log. */
    private ProcessBuilder processOf(Service service, String name, String configuration, Path log)
            throws IOException {
        Path workDir = settings.dataDirectory().resolve("run").resolve(name);
        Files.createDirectories(workDir.resolve("config"));
        // Quarkus reads ./config/application.properties from its working directory (above the packaged defaults).
        writePrivate(workDir.resolve("config/application.properties"), configuration);
        Files.createDirectories(log.getParent());

        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(settings.jvmOptions());
        // The local profile: production code and defaults, plus the dev inbox (one-time codes readable locally).
        command.add("-Dquarkus.profile=local");
        command.add("-jar");
        command.add(runnerJar(settings.repository(), service).toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        // Environment variables outrank config files in Quarkus: drop the ones this stack sets through its file.
        builder.environment().keySet().removeIf(LocalStack::overridesStackConfiguration);
        return builder.directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    /** {@code replica}: one of several, which must find the shared keys rather than generate them. */
    private String configurationOf(Service service, int port, boolean replica) {
        StringBuilder config = new StringBuilder(
                "# Written by the Kessai local stack at each start; edits are overwritten.\n");
        config.append("quarkus.http.host=127.0.0.1\n");
        config.append("quarkus.http.port=").append(port).append('\n');
        config.append("kessai.db.host=127.0.0.1\n");
        config.append("kessai.db.port=").append(postgres.port()).append('\n');
        config.append("kessai.db.name=").append(service.database()).append('\n');
        config.append("kessai.db.user=").append(Postgres.SUPERUSER).append('\n');
        config.append("kessai.auth.issuer=").append(issuer()).append('\n');
        if (service.usesOutbox()) {
            config.append("kessai.outbox.auth-url=").append(url(Service.AUTH)).append('\n');
            config.append("kessai.outbox.client-id=").append(service.module()).append('\n');
            config.append("kessai.outbox.client-secret=").append(clientSecret(service)).append('\n');
            config.append("kessai.outbox.notification-url=").append(url(Service.NOTIFICATION)).append('\n');
            // Locally a restarted notification-service should see the backlog within seconds, not a minute.
            config.append("kessai.outbox.max-backoff=5S\n");
            if (service == Service.AUTH || service == Service.PAYMENT) {
                // Activation opens the customer's wallet through auth-service's outbox; a merchant's approval opens
                // its ledger account through payment-service's.
                config.append("kessai.outbox.destinations.wallet=").append(url(Service.WALLET)).append('\n');
            }
            if (service == Service.AUTH) {
                // Freezes and device unbindings reach payment-service through auth-service's outbox.
                config.append("kessai.outbox.destinations.payment=").append(url(Service.PAYMENT)).append('\n');
            }
            if (service == Service.PAYMENT) {
                // Payments post their transfers to wallet-service themselves; merchant changes go to auth-service.
                config.append("kessai.payment.wallet.url=").append(url(Service.WALLET)).append('\n');
                config.append("kessai.outbox.destinations.auth=").append(url(Service.AUTH)).append('\n');
                // Payment keys (CPM) are sealed with a key generated into the data folder at the first start.
                config.append("kessai.payment.cpm.seal-key-file=").append(sealKeyFile().toAbsolutePath())
                        .append('\n');
                // Replicas writing it at once would race: each could seal with a key the other never reads.
                config.append("kessai.payment.cpm.generate-seal-key=").append(!replica).append('\n');
            }
        }
        if (service != Service.AUTH) {
            config.append("kessai.auth.url=").append(url(Service.AUTH)).append('\n');
        } else {
            config.append("kessai.auth.signing-key-dir=").append(signingKeyDirectory().toAbsolutePath()).append('\n');
            if (replica) {
                config.append("kessai.auth.generate-signing-key=false\n");
            }
            for (Service caller : Service.values()) {
                config.append("kessai.auth.service-clients.").append(caller.module()).append(".secret=")
                        .append(clientSecret(caller)).append('\n');
            }
            // The ops runbooks' client: it reads and freezes, and moves no money (docs/operations.md).
            config.append("kessai.auth.service-clients.").append(OPS_CLIENT).append(".secret=")
                    .append(opsClientSecret()).append('\n');
            config.append("kessai.auth.service-clients.").append(OPS_CLIENT).append(".roles=ops\n");
        }
        return config.toString();
    }

    private static boolean overridesStackConfiguration(String variable) {
        return variable.startsWith("KESSAI_DB_") || variable.startsWith("KESSAI_AUTH_")
                || variable.startsWith("QUARKUS_HTTP_") || variable.startsWith("QUARKUS_DATASOURCE_")
                || variable.startsWith("QUARKUS_OIDC_");
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(settings.readyTimeout());
        List<Service> launched;
        synchronized (processes) {
            launched = List.copyOf(processes.keySet()); // a service stopped on purpose stays stopped
        }
        for (Service service : launched) {
            URI ready = url(service).resolve("/q/health/ready");
            while (true) {
                Process process = process(service);
                if (process == null) {
                    throw new StackException(service.module() + " is not running (stopped, or the stack is stopping)");
                }
                if (!process.isAlive()) {
                    throw new StackException(service.module() + " exited with code " + process.exitValue()
                            + " during start; see " + logFile(service));
                }
                if (isReady(http, ready)) {
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException(service.module() + " was not ready within "
                            + settings.readyTimeout().toSeconds() + " s; see " + logFile(service));
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean isReady(HttpClient http, URI ready) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false;
        }
    }

    /**
     * Stops one service gracefully (SIGTERM, then a hard kill after 30 s), e.g. to test what its callers do. Answers
     * whether it exited by itself (false: it had to be killed).
     */
    public boolean stop(Service service) throws InterruptedException {
        Process process;
        synchronized (processes) {
            process = processes.remove(service);
        }
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return false;
            }
        }
        return true;
    }

    /**
     * Kills one service as a crash would (SIGKILL): no shutdown hook runs, requests in flight get no answer and nothing
     * pending in its memory is written. Returns once the process is gone; {@link #restart(Service)} starts it again.
     */
    public void kill(Service service) throws InterruptedException {
        Process process;
        synchronized (processes) {
            process = processes.remove(service);
        }
        if (process != null && !process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
            throw new StackException(service.module() + " (pid " + process.pid() + ") outlived SIGKILL for 10 s");
        }
    }

    /** Starts a stopped service again with the same configuration and waits until it is ready. */
    public void restart(Service service) throws Exception {
        stop(service);
        launch(service);
        awaitReady();
    }

    /**
     * Starts again every service that is not running (stopped and not restarted, or exited), waits until all are
     * ready, and returns the ones it started, so that one test that left a service down does not fail the next ones.
     */
    public List<Service> ensureRunning() throws Exception {
        List<Service> relaunched = new ArrayList<>();
        for (Service service : Service.values()) {
            Process process = process(service);
            if (process == null || !process.isAlive()) {
                stop(service);
                launch(service);
                relaunched.add(service);
            }
        }
        if (!relaunched.isEmpty()) {
            awaitReady();
        }
        return relaunched;
    }

    /**
     * Stops the services gracefully (SIGTERM, then a hard kill after the grace period), then PostgreSQL. Safe to call
     * more than once and from several threads (the shutdown hook and the owner): every caller returns once all is
     * stopped.
     */
    @Override
    public synchronized void close() {
        List<Process> running;
        synchronized (processes) {
            closed = true;
            running = new ArrayList<>(processes.values());
            extraReplicas.forEach(replica -> running.add(replica.process()));
            processes.clear();
            extraReplicas.clear();
        }
        if (Thread.currentThread() != stopOnExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway and finds nothing left to stop
            }
        }
        running.forEach(Process::destroy);
        Instant deadline = Instant.now().plusSeconds(30);
        for (Process process : running) {
            try {
                long waitMs = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                if (!process.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("kessai: PostgreSQL did not stop cleanly: " + e.getMessage());
            }
            postgres = null;
        }
    }

    private static Properties loadOrCreateSecrets(Path file) throws IOException {
        Properties secrets = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                secrets.load(in);
            }
        }
        boolean changed = false;
        SecureRandom random = new SecureRandom();
        List<String> clients = new ArrayList<>();
        for (Service caller : Service.values()) {
            clients.add(caller.module());
        }
        clients.add(OPS_CLIENT);
        for (String client : clients) {
            if (secrets.getProperty(client) == null) {
                byte[] secret = new byte[32];
                random.nextBytes(secret);
                secrets.setProperty(client, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
                changed = true;
            }
        }
        if (changed) {
            Files.createDirectories(file.getParent());
            StringWriter text = new StringWriter();
            secrets.store(text, "Service-client secrets generated by the Kessai local stack (never commit)");
            writePrivate(file, text.toString());
        }
        return secrets;
    }

    /** Writes a file that only its owner can read, without a moment where others could. */
    private static void writePrivate(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(temporary); // Windows: the file stays under the user's profile ACLs.
        }
        Files.writeString(temporary, content);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
