package io.kessai.bench;

import java.net.URI;
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

    /** What the loads pay with; the MPM customers' tokens are closed by whoever measures with them. */
    private record Setup(FreshTokens customers, List<PaymentSetup.Merchant> merchants,
            List<PaymentSetup.TillCredential> tills, CpmDevices devices, double seconds) {
    }

    private PaymentReport measure(Path pgbenchExecutable, PaymentReport.Context context) throws Exception {
        try (HttpClient http = WalletClient.newHttpClient()) {
            Setup setup = setUp(http);
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

    /**
     * Customers, owners and merchants, and for CPM the devices' payment keys and the merchants' tills, through the
     * services' APIs. Owners and CPM customers are signed in only while they set up: their tokens are not renewed
     * during the loads.
     */
    private Setup setUp(HttpClient http) throws Exception {
        String passwordHash = Argon2id.hash(AuthUsers.PASSWORD, Argon2id.Cost.of(options.jvmOptions()));
        long startNs = System.nanoTime();
        int cpmCustomers = options.skipCpm() ? 0 : options.cpmCustomers();
        System.out.printf("Setting up %,d customers, %,d customers paying with codes (CPM), %,d merchant owners and"
                + " %,d merchants ...%n", options.customers(), cpmCustomers, options.owners(), options.merchants());
        URI auth = stack.url(Service.AUTH);
        AuthNonce nonce = new AuthNonce(http, auth.resolve("/v1/sessions"));
        StepUps stepUps = new StepUps(http, stack);
        PaymentSetup setup = new PaymentSetup(http, stack, options.setupConcurrency());
        AuthUsers customerUsers = AuthUsers.create(postgres, options.customers(), passwordHash,
                AuthUsers.AccountType.CUSTOMER);
        AuthUsers ownerUsers = AuthUsers.create(postgres, options.owners(), passwordHash,
                AuthUsers.AccountType.MERCHANT_OWNER);
        FreshTokens customers = FreshTokens.signIn(http, auth, customerUsers, nonce, options.setupConcurrency());
        try {
            List<PaymentSetup.Merchant> merchants;
            List<PaymentSetup.TillCredential> tills = List.of();
            try (FreshTokens owners = FreshTokens.signIn(http, auth, ownerUsers, nonce,
                    options.setupConcurrency())) {
                System.out.printf("  signed in %,d customers and %,d owners at auth-service%n", customers.count(),
                        owners.count());
                merchants = setup.merchants(options.merchants(), owners);
                if (cpmCustomers > 0) {
                    tills = setup.tills(merchants, owners, ownerUsers, stepUps);
                    System.out.printf("  %,d tills made by their owners (after a step-up each)%n", tills.size());
                }
            }
            setup.fundCustomers(customers, options.fundingYen());
            CpmDevices devices = null;
            if (cpmCustomers > 0) {
                AuthUsers cpmUsers = AuthUsers.create(postgres, cpmCustomers, passwordHash,
                        AuthUsers.AccountType.CPM_CUSTOMER);
                try (FreshTokens cpm = FreshTokens.signIn(http, auth, cpmUsers, nonce, options.setupConcurrency())) {
                    devices = setup.paymentKeys(cpm, cpmUsers, stepUps);
                    setup.fundCustomers(cpm, options.fundingYen());
                }
                System.out.printf("  %,d devices hold a payment key (issued after a step-up each)%n",
                        devices.count());
            }
            double seconds = (System.nanoTime() - startNs) / 1e9;
            System.out.printf("Set up in %.1f s.%n", seconds);
            return new Setup(customers, merchants, tills, devices, seconds);
        } catch (Exception | Error failed) {
            customers.close();
            throw failed;
        }
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
