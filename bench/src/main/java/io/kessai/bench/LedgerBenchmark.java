package io.kessai.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.kessai.stack.StackException;

/**
 * The ledger benchmark ({@code ./kessai bench}): starts the stack from the packaged jars, sets up accounts, runs
 * pgbench, then the spread and hot payment loads, pgbench again, and reports the figures.
 */
public final class LedgerBenchmark {

    private final BenchmarkOptions options;
    private final LocalStack stack;
    private final PostgresServer postgres;

    private LedgerBenchmark(BenchmarkOptions options, LocalStack stack) {
        this.options = options;
        this.stack = stack;
        this.postgres = new PostgresServer(stack.postgresPort());
    }

    public static void main(String[] args) {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger("io.zonky").setLevel(Level.SEVERE);
        try {
            run(BenchmarkOptions.parse(args));
        } catch (BenchmarkException | StackException e) {
            fail(e.getMessage());
        } catch (Exception e) {
            e.printStackTrace();
            fail("the benchmark failed: " + e);
        }
    }

    private static void run(BenchmarkOptions options) throws Exception {
        // Checked before the slow start so that a missing tool costs a second, not a minute.
        Path pgbenchExecutable = options.skipPgbench() ? null : Pgbench.locate();
        Machine machine = Machine.describe(options.repository());
        Instant startedAt = Instant.now();
        double loadAtStart = Machine.loadAverage();

        // A persistent data folder (not a temporary one) so that PostgreSQL runs with fsync on, as in production.
        Path data = options.repository().resolve("bench/target/bench-data");
        deleteRecursively(data);
        System.out.println("Starting the stack (data in " + data + ") ...");
        LocalStack stack = LocalStack.start(stackSettings(options, data));
        Thread stopOnCtrlC = new Thread(stack::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
        BenchmarkReport report;
        try {
            LedgerBenchmark benchmark = new LedgerBenchmark(options, stack);
            Map<String, String> settings = benchmark.configurePostgres();
            Measurements measured = benchmark.measure(pgbenchExecutable);
            report = new BenchmarkReport(new BenchmarkReport.Run(options, machine, startedAt, loadAtStart,
                    Machine.loadAverage(), settings, measured.pgbench(), measured.warmup(), measured.scenarios()));
        } finally {
            System.out.println("Stopping the stack ...");
            stack.close();
            Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
        }
        System.out.print(report.consoleTable());
        Path docs = options.docsFile();
        if (docs != null) {
            report.writeInto(docs);
            System.out.println("\nWrote the ledger section of " + options.repository().relativize(docs) + ".");
        }
        System.out.println("Rerun: " + options.rerunCommand());
    }

    /** The figures of one run; the warm-up is null and the lists are empty for skipped parts. */
    private record Measurements(List<Pgbench.Result> pgbench, LoadResult warmup, List<LoadResult> scenarios) {
    }

    /**
     * Gives the wallet and pgbench databases the same {@code synchronous_commit} (production commits wait for the WAL
     * flush) and returns the settings their sessions see.
     */
    private Map<String, String> configurePostgres() throws Exception {
        String wallet = Service.WALLET.database();
        postgres.setSynchronousCommit(wallet, options.synchronousCommit());
        postgres.recreateDatabase(Pgbench.DATABASE);
        postgres.setSynchronousCommit(Pgbench.DATABASE, options.synchronousCommit());
        if (!options.skipLedger()) {
            System.out.println("Restarting wallet-service so that its pooled connections use synchronous_commit="
                    + options.synchronousCommit() + " ...");
            stack.restart(Service.WALLET);
        }
        Map<String, String> settings = postgres.settings(wallet);
        Map<String, String> pgbenchSettings = postgres.settings(Pgbench.DATABASE);
        if (!settings.equals(pgbenchSettings)) {
            throw new IllegalStateException(
                    "wallet and pgbench sessions differ: " + settings + " vs " + pgbenchSettings);
        }
        System.out.println("PostgreSQL: " + settings);
        return settings;
    }

    private Measurements measure(Path pgbenchExecutable) throws Exception {
        try (HttpClient http = WalletClient.newHttpClient()) {
            ServiceToken token = new ServiceToken(http, stack.url(Service.AUTH), Service.PAYMENT.module(),
                    stack.clientSecret(Service.PAYMENT));
            token.authorization(); // fails here, with auth-service's answer, if the client is not accepted

            // Before pgbench, so that a wallet-service without the API fails the run before minutes of pgbench.
            LedgerSetup.Accounts accounts = options.skipLedger() ? null : setUpAccounts(http, token);

            List<Pgbench.Result> pgbenchRuns = new ArrayList<>();
            Pgbench pgbench = pgbenchExecutable == null ? null : new Pgbench(pgbenchExecutable, postgres);
            if (pgbench != null) {
                System.out.println("pgbench: initializing scale " + options.pgbenchScale() + " ...");
                pgbench.initialize(options.pgbenchScale());
                pgbenchRuns.add(runPgbench(pgbench, "before"));
            }
            if (accounts == null) {
                return new Measurements(pgbenchRuns, null, List.of());
            }

            LoadGenerator load = new LoadGenerator(stack.url(Service.WALLET), token, accounts, options.concurrency());
            // The warm-up lets C2 compile the hot paths and fills the connection pools before anything counts.
            LoadResult warmup = runLoad(load, "warm-up", Scenario.SPREAD, options.warmupSeconds());
            List<LoadResult> scenarios = new ArrayList<>();
            for (Scenario scenario : Scenario.values()) {
                scenarios.add(runLoad(load, scenario.label(), scenario, options.measureSeconds()));
            }
            // A second pgbench run after the ledger runs shows whether the machine drifted meanwhile.
            if (pgbench != null) {
                pgbenchRuns.add(runPgbench(pgbench, "after"));
            }
            return new Measurements(pgbenchRuns, warmup, scenarios);
        }
    }

    private LedgerSetup.Accounts setUpAccounts(HttpClient http, ServiceToken token) throws Exception {
        System.out.printf("Setting up %,d customers and %,d merchants ...%n", options.customers(), options.merchants());
        long startNs = System.nanoTime();
        LedgerSetup setup = new LedgerSetup(new WalletClient(http, stack.url(Service.WALLET), token),
                options.setupConcurrency());
        LedgerSetup.Accounts accounts = setup.create(options.customers(), options.merchants(),
                options.merchantSubAccounts(),
                options.fundingYen());
        System.out.printf("Set up in %.1f s.%n", (System.nanoTime() - startNs) / 1e9);
        return accounts;
    }

    private Pgbench.Result runPgbench(Pgbench pgbench, String label) throws Exception {
        postgres.checkpoint();
        System.out.println("pgbench (" + label + "): " + options.pgbenchSeconds() + " s ...");
        Pgbench.Result result = pgbench.measure(label, options.pgbenchClients(), options.pgbenchThreads(),
                options.pgbenchSeconds());
        System.out.printf("pgbench (%s): %.1f TPS%n", label, result.tps());
        return result;
    }

    private LoadResult runLoad(LoadGenerator load, String label, Scenario scenario, int seconds) throws Exception {
        postgres.checkpoint();
        System.out.println(label + ": " + seconds + " s ...");
        LoadResult result = load.run(scenario, Duration.ofSeconds(seconds));
        System.out.printf("%s: %,d transfers in %.1f s = %.1f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors%n",
                label, result.transfers(), result.seconds(), result.transfersPerSecond(), result.percentileMs(50),
                result.percentileMs(99), result.maxMs(), result.errors());
        result.errorSamples().forEach((sample, count) -> System.out.println("  error ×" + count + ": " + sample));
        return result;
    }

    /** Free loopback ports for the services, as the system tests pick them; PostgreSQL picks its own (port 0). */
    private static LocalStack.Settings stackSettings(BenchmarkOptions options, Path data) throws IOException {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            ports.put(service, freePort());
        }
        LocalStack.Settings defaults = LocalStack.settings(options.repository(), data).withPorts(0, ports);
        return new LocalStack.Settings(defaults.repository(), defaults.dataDirectory(), defaults.persistent(),
                defaults.postgresPort(), defaults.ports(), defaults.readyTimeout(), options.jvmOptions());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void fail(String message) {
        System.err.println("bench: " + message);
        System.exit(1);
    }
}
