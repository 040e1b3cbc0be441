package io.kessai.bench;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The payments benchmark ({@code ./kessai bench payments}): starts the stack from the packaged jars, sets up customers,
 * merchant owners, 1,000 merchants with a till each and the devices of customers who pay with codes through the
 * services' APIs, runs pgbench, then customers' MPM payments and tills' CPM payments, each under an open-model Gatling
 * load (a saturation search, the latency at a fraction of saturation, a surge), pgbench again, checks that nothing was
 * lost or doubled, and reports the figures.
 */
public final class PaymentBenchmark {

    static final String PAYMENT = "payment-service";
    static final String WALLET = "wallet-service";
    static final String POSTGRES = "PostgreSQL";
    static final String AUTH = "auth-service";
    static final String NOTIFICATION = "notification-service";
    static final String GENERATOR = "load generator";

    /** How long the reconciler may take to settle the payments left pending after the loads. */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(90);

    /**
     * The load's customers are few and pay several times a second each, which the risk engine's velocity rule would
     * rightly stop; a real surge is many customers paying once. Offline (CPM) payments also have lower limits of their
     * own, per payment and per day, above which the till is told to have the customer confirm in the app: at 1 JPY a
     * payment the load is far below them, and they are lifted so that no choice of the load's parameters turns its
     * payments into holds. These lift only those thresholds: every payment is still judged by every rule, with the
     * same statements (the offline day's total is still raised), so the engine's cost is measured as it is.
     */
    static final List<String> LOAD_RISK_SETTINGS = List.of("-Dkessai.payment.risk.velocity.step-up-count=2000000000",
            "-Dkessai.payment.risk.velocity.deny-count=2000000000",
            "-Dkessai.payment.risk.velocity.step-up-amount=9000000000000",
            "-Dkessai.payment.risk.velocity.deny-amount=9000000000000",
            "-Dkessai.payment.risk.offline.max-amount=9000000000000",
            "-Dkessai.payment.risk.offline.daily-limit=9000000000000");

    private final PaymentOptions options;
    private final LocalStack stack;
    private final PostgresServer postgres;
    private final CpuMeter cpu;
    /** Every payment acknowledged in any Gatling run, for the exactly-once check after the loads. */
    private final List<PaymentLoad.Ack> acks = new ArrayList<>();

    private PaymentBenchmark(PaymentOptions options, LocalStack stack) {
        this.options = options;
        this.stack = stack;
        this.postgres = new PostgresServer(stack.postgresPort());
        Map<String, Supplier<Duration>> groups = new LinkedHashMap<>();
        groups.put(PAYMENT, CpuMeter.service(stack, Service.PAYMENT));
        groups.put(WALLET, CpuMeter.service(stack, Service.WALLET));
        groups.put(POSTGRES, CpuMeter.processes(CpuMeter.postgres(stack.postgresPort())));
        groups.put(AUTH, CpuMeter.service(stack, Service.AUTH));
        // Each completed payment's receipt goes through payment-service's outbox to notification-service.
        groups.put(NOTIFICATION, CpuMeter.service(stack, Service.NOTIFICATION));
        groups.put(GENERATOR, CpuMeter.processes(() -> Stream.of(ProcessHandle.current())));
        this.cpu = new CpuMeter(groups, Map.of());
    }

    public static void main(String[] args) {
        BenchMain.main(args, arguments -> run(PaymentOptions.parse(arguments)));
    }

    private static void run(PaymentOptions options) throws Exception {
        Path pgbenchExecutable = options.skipPgbench() ? null : Pgbench.locate();
        Machine machine = Machine.describe(options.repository());
        Instant startedAt = Instant.now();
        double loadAtStart = Machine.loadAverage();
        PaymentReport report;
        List<String> jvmOptions = new ArrayList<>(options.jvmOptions());
        jvmOptions.addAll(LOAD_RISK_SETTINGS);
        try (BenchStack bench = BenchStack.start(options.repository(),
                options.repository().resolve("bench/target/payment-bench-data"), jvmOptions,
                options.synchronousCommit(), PostgresServer.STATEMENT_STATISTICS)) {
            PaymentBenchmark benchmark = new PaymentBenchmark(options, bench.stack());
            Map<String, String> settings = benchmark.configurePostgres();
            report = benchmark.measure(pgbenchExecutable, new PaymentReport.Context(options, machine, startedAt,
                    loadAtStart, settings));
        }
        System.out.print(report.console());
        Path docs = options.docsFile();
        if (docs != null) {
            report.writeInto(docs);
            System.out.println("\nWrote the payments section of " + options.repository().relativize(docs) + ".");
        }
        System.out.println("Rerun: " + options.rerunCommand());
        report.failIfBroken();
    }

    /** The payment, wallet and pgbench databases get one {@code synchronous_commit}; returns what sessions see. */
    private Map<String, String> configurePostgres() throws Exception {
        postgres.recreateDatabase(Pgbench.DATABASE);
        for (String database : List.of(Service.PAYMENT.database(), Service.WALLET.database(), Pgbench.DATABASE)) {
            postgres.setSynchronousCommit(database, options.synchronousCommit());
        }
        if (!"on".equals(options.synchronousCommit())) { // the server's own setting: pooled connections have it
            System.out.println("Restarting wallet-service and payment-service so that their pooled connections use"
                    + " synchronous_commit=" + options.synchronousCommit() + " ...");
            stack.restart(Service.WALLET);
            stack.restart(Service.PAYMENT);
        }
        Map<String, String> settings = postgres.settings(Service.PAYMENT.database());
        System.out.println("PostgreSQL: " + settings);
        return settings;
    }

    private PaymentReport measure(Path pgbenchExecutable, PaymentReport.Context context) throws Exception {
        try (HttpClient http = WalletClient.newHttpClient()) {
            PaymentSetup.Fixture setup = setUp(http);
            List<Pgbench.Result> pgbenchRuns = new ArrayList<>();
            Pgbench pgbench = Pgbench.initialized(pgbenchExecutable, postgres, options.pgbenchScale());
            if (pgbench != null) {
                pgbenchRuns.add(runPgbench(pgbench, "before"));
            }
            String runId = Long.toString(System.currentTimeMillis(), 36);
            List<PaymentReport.Mode> modes = new ArrayList<>();
            // Each mode's tokens are renewed in the background only while that mode is measured: a renewal (an
            // Argon2id sign-in, a till's token) would otherwise land in the other mode's phases.
            try (FreshTokens customers = setup.customers()) {
                if (!options.skipMpm()) {
                    modes.add(measureMode(http, Payers.mpm(customers, setup.merchants()), runId + "m"));
                }
            }
            if (!options.skipCpm()) {
                try (FreshTokens tills = FreshTokens.tills(http, stack.url(Service.AUTH), setup.tills(),
                        options.setupConcurrency())) {
                    modes.add(measureMode(http, Payers.cpm(setup.devices(), tills), runId + "c"));
                }
            }
            if (pgbench != null) {
                pgbenchRuns.add(runPgbench(pgbench, "after"));
            }
            ServiceMemory memory = ServiceMemory.of(stack);
            System.out.println("Peak resident memory of the services: " + memory.summary());
            System.out.println("Checking that every acknowledged payment is recorded exactly once ...");
            PaymentChecks.Result exactlyOnce = PaymentChecks.check(postgres, acks, SETTLE_WAIT);
            System.out.println("  " + exactlyOnce.summary());
            String invariants;
            try {
                invariants = LedgerInvariants.check(http, stack);
            } catch (BenchmarkException broken) {
                invariants = broken.getMessage();
            }
            return new PaymentReport(context, Machine.loadAverage(), setup.seconds(), pgbenchRuns, modes,
                    exactlyOnce, invariants, setup.devices(), memory);
        }
    }

    private PaymentSetup.Fixture setUp(HttpClient http) throws Exception {
        return PaymentSetup.prepare(http, stack, postgres, new PaymentSetup.Sizes(options.customers(),
                options.skipCpm() ? 0 : options.cpmCustomers(), options.owners(), options.merchants(),
                options.fundingYen(), options.setupConcurrency()), options.jvmOptions());
    }

    /**
     * One mode's saturation search (spread, then hot, each in a Gatling run of its own: a run ends at its first step
     * that does not keep up, through Gatling's stopLoadGenerator, instead of idling through the rates above it), then
     * the loads at a share of spread's saturation and the surge.
     */
    private PaymentReport.Mode measureMode(HttpClient http, Payers payers, String runId) throws Exception {
        String mode = payers.mode();
        PaymentLoad search = load(http, payers, runId + "s");
        search.add("warm-up", PaymentLoad.Target.SPREAD, List.of(new PaymentLoad.Segment("warm-up",
                options.warmupRate(), options.warmupSeconds())), null, Double.MAX_VALUE);
        List<PaymentLoad.Phase> spreadSteps = steps(search, "spread", PaymentLoad.Target.SPREAD);
        List<PaymentReport.GatlingPart> searched = new ArrayList<>();
        searched.add(runGatling(http, search, mode + " saturation search, spread"));
        List<PaymentLoad.Phase> hotSteps = List.of();
        if (!options.skipHot()) {
            PaymentLoad hotSearch = load(http, payers, runId + "h");
            hotSteps = steps(hotSearch, "hot", PaymentLoad.Target.HOT);
            searched.add(runGatling(http, hotSearch, mode + " saturation search, hot"));
        }

        double spreadRate = PaymentReport.saturation(spreadSteps);
        double pacedRate = Math.max(1, spreadRate * options.loadPercent() / 100.0);
        PaymentLoad loads = load(http, payers, runId + "l");
        loads.add("spread at " + options.loadPercent() + " %", PaymentLoad.Target.SPREAD,
                List.of(new PaymentLoad.Segment("spread", pacedRate, options.measureSeconds())), null,
                Double.MAX_VALUE);
        if (!options.skipHot()) {
            loads.add("hot at " + options.loadPercent() + " %", PaymentLoad.Target.HOT,
                    List.of(new PaymentLoad.Segment("hot", pacedRate, options.measureSeconds())), null,
                    Double.MAX_VALUE);
        }
        if (!options.skipSurge()) {
            loads.add("surge", PaymentLoad.Target.SPREAD, List.of(
                    new PaymentLoad.Segment("before the surge", pacedRate, 10),
                    new PaymentLoad.Segment(options.surgeFactor() + "× surge",
                            pacedRate * options.surgeFactor(), options.surgeSeconds()),
                    new PaymentLoad.Segment("after the surge", pacedRate, 20)), null, Double.MAX_VALUE);
        }
        PaymentReport.GatlingPart loaded = runGatling(http, loads, mode + " latency and surge");
        return new PaymentReport.Mode(mode, searched, spreadSteps, hotSteps, spreadRate,
                PaymentReport.saturation(hotSteps), pacedRate, loaded);
    }

    private PaymentLoad load(HttpClient http, Payers payers, String runId) {
        return new PaymentLoad(stack.url(Service.PAYMENT), payers, () -> snapshot(http), runId);
    }

    /** CPU times, commits and the risk engine's time now: taken as each segment begins, and after each run. */
    private PaymentLoad.Snapshot snapshot(HttpClient http) throws Exception {
        return new PaymentLoad.Snapshot(cpu.sample(), postgres.commits(), RiskCost.read(http,
                stack.url(Service.PAYMENT), postgres));
    }

    /** The saturation search's steps for {@code target}: each rate runs only if the one before kept up. */
    private List<PaymentLoad.Phase> steps(PaymentLoad load, String name, PaymentLoad.Target target) {
        List<PaymentLoad.Phase> steps = new ArrayList<>();
        PaymentLoad.Phase previous = null;
        for (int rate = options.stepStartRate(); rate <= options.stepMaxRate(); rate += options.stepRate()) {
            previous = load.add(name + " " + rate + "/s", target, List.of(new PaymentLoad.Segment(name + " "
                    + rate + "/s", rate, options.stepSeconds())), previous, options.stepP99LimitMs());
            steps.add(previous);
        }
        return steps;
    }

    private PaymentReport.GatlingPart runGatling(HttpClient http, PaymentLoad load, String description)
            throws Exception {
        // Fresh tokens, so that the customers' sign-ins (in an earlier run they landed in a measured phase, 4 ms of
        // auth-service CPU per payment there) and the tills' token requests fall in no phase.
        load.payers().tokens().renewAll(options.setupConcurrency());
        postgres.checkpoint();
        System.out.println("Gatling: " + description + " ...");
        PaymentSimulation.load = load;
        PaymentSimulation.connections = options.connections();
        PaymentSimulation.pauseSeconds = options.pauseSeconds();
        double loadAtStart = Machine.loadAverage();
        Path report = GatlingRun.run(PaymentSimulation.class, options.repository().resolve("bench/target/gatling"),
                description);
        PaymentReport.GatlingPart part = new PaymentReport.GatlingPart(description, report, loadAtStart,
                load.costs(snapshot(http)));
        acks.addAll(load.acks());
        System.out.print(PaymentReport.phaseLines(part));
        return part;
    }

    private Pgbench.Result runPgbench(Pgbench pgbench, String label) throws Exception {
        return pgbench.measureAfterCheckpoint(label, options.pgbenchClients(), options.pgbenchThreads(),
                options.pgbenchSeconds());
    }
}
