package io.kessai.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The ledger benchmark ({@code ./kessai bench}): starts the stack from the packaged jars, sets up accounts, runs
 * pgbench, then the spread and hot payment loads, pgbench again, and reports the figures.
 */
public final class LedgerBenchmark {

    private final LedgerOptions options;
    private final LocalStack stack;
    private final PostgresServer postgres;
    private final CpuMeter cpu;

    private LedgerBenchmark(LedgerOptions options, LocalStack stack) {
        this.options = options;
        this.stack = stack;
        this.postgres = new PostgresServer(stack.postgresPort());
        Map<String, Supplier<Duration>> groups = new LinkedHashMap<>();
        groups.put(LedgerReport.WALLET, CpuMeter.service(stack, Service.WALLET));
        groups.put(LedgerReport.POSTGRES, CpuMeter.processes(CpuMeter.postgres(stack.postgresPort())));
        groups.put(LedgerReport.GENERATOR, CpuMeter.processes(() -> Stream.of(ProcessHandle.current())));
        this.cpu = new CpuMeter(groups, Map.of());
    }

    public static void main(String[] args) {
        BenchMain.main(args, arguments -> run(LedgerOptions.parse(arguments)));
    }

    private static void run(LedgerOptions options) throws Exception {
        // Checked before the slow start so that a missing tool costs a second, not a minute.
        Path pgbenchExecutable = options.skipPgbench() ? null : Pgbench.locate();
        Machine machine = Machine.describe(options.repository());
        Instant startedAt = Instant.now();
        double loadAtStart = Machine.loadAverage();

        LedgerReport report;
        try (BenchStack bench = BenchStack.start(options.repository(),
                options.repository().resolve("bench/target/bench-data"), options.jvmOptions(),
                options.synchronousCommit())) {
            LedgerBenchmark benchmark = new LedgerBenchmark(options, bench.stack());
            Map<String, String> settings = benchmark.configurePostgres();
            Measurements measured = benchmark.measure(pgbenchExecutable);
            report = new LedgerReport(new LedgerReport.Run(options, machine, startedAt, loadAtStart,
                    Machine.loadAverage(), settings, measured.pgbench(), measured.warmup(), measured.scenarios(),
                    measured.paced(), measured.invariants()));
        }
        System.out.print(report.consoleTable());
        Path docs = options.docsFile();
        if (docs != null) {
            report.writeInto(docs);
            System.out.println("\nWrote the ledger section of " + options.repository().relativize(docs) + ".");
        }
        System.out.println("Rerun: " + options.rerunCommand());
    }

    /**
     * The figures of one run; the warm-up and the paced run are null and the lists are empty for skipped parts.
     * {@code invariants}: what the ledger's invariant check answered after the loads, or null when none ran.
     */
    private record Measurements(List<Pgbench.Result> pgbench, LoadResult warmup,
            Map<Scenario, LedgerReport.Phase> scenarios, LedgerReport.Phase paced, String invariants) {
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
            Pgbench pgbench = Pgbench.initialized(pgbenchExecutable, postgres, options.pgbenchScale());
            if (pgbench != null) {
                pgbenchRuns.add(runPgbench(pgbench, "before"));
            }
            if (accounts == null) {
                return new Measurements(pgbenchRuns, null, Map.of(), null, null);
            }

            WalletClient wallet = new WalletClient(http, stack.url(Service.WALLET), token);
            LoadGenerator load = new LoadGenerator(options.concurrency(), LoadConnection::plain);
            // The warm-up lets C2 compile the hot paths and fills the connection pools before anything counts.
            LoadResult warmup = runLoad(load, "warm-up", "warm-up", Scenario.SPREAD.payments(wallet, accounts),
                    options.warmupSeconds(), 1).load();
            Map<Scenario, LedgerReport.Phase> scenarios = new EnumMap<>(Scenario.class);
            for (Scenario scenario : Scenario.values()) {
                scenarios.put(scenario, runLoad(load, scenario.label(),
                        scenario.label() + ": " + scenario.description(options.merchants()),
                        scenario.payments(wallet, accounts), options.measureSeconds(), scenario.batchSize()));
            }
            LedgerReport.Phase paced = runPaced(load, Scenario.SPREAD.payments(wallet, accounts),
                    scenarios.get(Scenario.SPREAD).load().perSecond() * options.pacedPercent() / 100.0);
            String invariants = LedgerInvariants.check(http, stack);
            // A second pgbench run after the ledger runs shows whether the machine drifted meanwhile.
            if (pgbench != null) {
                pgbenchRuns.add(runPgbench(pgbench, "after"));
            }
            return new Measurements(pgbenchRuns, warmup, scenarios, paced, invariants);
        }
    }

    private LedgerSetup.Accounts setUpAccounts(HttpClient http, ServiceToken token) throws Exception {
        System.out.printf("Setting up %,d customers and %,d merchants ...%n", options.customers(), options.merchants());
        long startNs = System.nanoTime();
        ServiceToken opener = new ServiceToken(http, stack.url(Service.AUTH), Service.AUTH.module(),
                stack.clientSecret(Service.AUTH));
        LedgerSetup setup = new LedgerSetup(new WalletClient(http, stack.url(Service.WALLET), token),
                new WalletClient(http, stack.url(Service.WALLET), opener), options.setupConcurrency());
        LedgerSetup.Accounts accounts = setup.create(options.customers(), options.merchants(),
                options.merchantSubAccounts(),
                options.fundingYen());
        System.out.printf("Set up in %.1f s.%n", (System.nanoTime() - startNs) / 1e9);
        return accounts;
    }

    private Pgbench.Result runPgbench(Pgbench pgbench, String label) throws Exception {
        return pgbench.measureAfterCheckpoint(label, options.pgbenchClients(), options.pgbenchThreads(),
                options.pgbenchSeconds());
    }

    /**
     * One closed-loop load; {@code batchSize} payments per request (1: single requests). Latencies are per request.
     */
    private LedgerReport.Phase runLoad(LoadGenerator load, String label, String description, Workload workload,
            int seconds, int batchSize) throws Exception {
        postgres.checkpoint();
        System.out.println(label + ": " + seconds + " s ...");
        CpuMeter.Sample before = cpu.sample();
        LoadResult result = load.run(label, workload, Duration.ofSeconds(seconds));
        return printed(new LedgerReport.Phase(result, description, CpuMeter.between(before, cpu.sample()),
                batchSize));
    }

    /**
     * Single spread payments at a fixed rate ({@code pacedPercent} % of what the closed loop sustained), for the latency
     * below saturation that callers see: counted from when each request was due.
     */
    private LedgerReport.Phase runPaced(LoadGenerator load, Workload workload, double perSecond) throws Exception {
        postgres.checkpoint();
        String label = LedgerReport.PACED;
        System.out.printf("%s: %.0f requests/s for %d s ...%n", label, perSecond, options.measureSeconds());
        CpuMeter.Sample before = cpu.sample();
        LoadResult result = load.runPaced(label, workload, perSecond, Duration.ofSeconds(options.measureSeconds()),
                options.pacedSenders());
        String description = String.format(Locale.ROOT, "%s: single spread payments at %.0f requests/s"
                + " (%d %% of spread's rate) from %d senders; latency from when each was due", label, perSecond,
                options.pacedPercent(), options.pacedSenders());
        return printed(new LedgerReport.Phase(result, description, CpuMeter.between(before, cpu.sample()), 1));
    }

    private static LedgerReport.Phase printed(LedgerReport.Phase phase) {
        LoadResult result = phase.load();
        System.out.printf("%s: %,d transfers in %,d requests in %.1f s = %.1f transfers/s, per request p50 %.1f ms, "
                + "p99 %.1f ms, max %.1f ms, %d errors; CPU per transfer: wallet-service %.3f ms, PostgreSQL %.3f ms%n",
                result.label(), phase.transfers(), result.successes(), result.seconds(), phase.transfersPerSecond(),
                result.percentileMs(50), result.percentileMs(99), result.maxMs(), result.errors(),
                phase.cpuMsPerTransfer(LedgerReport.WALLET), phase.cpuMsPerTransfer(LedgerReport.POSTGRES));
        result.errorSamples().forEach((sample, count) -> System.out.println("  error ×" + count + ": " + sample));
        return phase;
    }
}
