package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;

/**
 * The lunchtime drill ({@code ./kessai drill}, docs/reliability.md): the stack with several replicas of each service
 * behind HAProxy and its PostgreSQL with a synchronous standby; a payment workload of correct clients (the same
 * Idempotency-Key on every retry, Retry-After honoured); one fault after another while it runs, each followed by a
 * wait for recovery and a check of the invariants, by SQL against the databases and against the clients' own log of
 * what was acknowledged. Jepsen's bank test and TigerBeetle's simulator are the models: a workload whose correct end
 * state is known, faults while it runs, an independent check of the end state.
 */
public final class Drill {

    /** A fault: what it does to the stack while the load runs, and how it comes back. */
    interface Injection {

        void inject(Drill drill) throws Exception;
    }

    /**
     * One fault of the drill. {@code degrades}: a user can notice it, so {@code /v1/status} must say so while it
     * lasts; {@code runbook}: the section of docs/operations.md it exercises.
     */
    record Fault(String name, String description, boolean degrades, String runbook, Injection injection) {
    }

    /** What one fault's window (from its start until the stack had recovered) showed. */
    record FaultResult(Fault fault, DrillClient.Window window, double injectSeconds, double recoverySeconds,
            Map<String, Long> statusesSeen, DrillInvariants.Result invariants, List<String> problems) {

        boolean ok() {
            return problems.isEmpty() && invariants.ok();
        }
    }

    private final DrillOptions options;
    private final LocalStack stack;
    private final PostgresServer postgres;
    private final HttpClient http;
    private final DrillClient client;
    private DrillLoad load;
    private DrillOperations operations;
    /** {@code /v1/status}'s {@code status} as polled every 250 ms: time → value. */
    private final ConcurrentSkipListMap<Long, String> statuses = new ConcurrentSkipListMap<>();
    private volatile boolean polling = true;

    private Drill(DrillOptions options, LocalStack stack, HttpClient http) {
        this.options = options;
        this.stack = stack;
        this.postgres = new PostgresServer(stack.postgresPort());
        this.http = http;
        this.client = new DrillClient(http);
    }

    public static void main(String[] args) {
        BenchMain.main(args, arguments -> {
            DrillReport report = run(DrillOptions.parse(arguments));
            System.out.print(report.console());
            report.failIfBroken();
        });
    }

    /** Runs the drill and writes its section of docs/reliability.md when {@code --docs} names the file. */
    static DrillReport run(DrillOptions options) throws Exception {
        Machine machine = Machine.describe(options.repository());
        Instant startedAt = Instant.now();
        Path data = options.repository().resolve("bench/target/drill-data");
        List<String> jvmOptions = new ArrayList<>(options.jvmOptions());
        // The workload's customers pay many times a minute each, which the velocity rule would rightly hold.
        jvmOptions.addAll(PaymentBenchmark.LOAD_RISK_SETTINGS);
        DrillReport report;
        try (DrillStack drillStack = DrillStack.start(options, data, jvmOptions);
                HttpClient http = WalletClient.newHttpClient()) {
            Drill drill = new Drill(options, drillStack.stack(), http);
            report = drill.execute(machine, startedAt, drillStack);
        }
        Path docs = options.docsFile();
        if (docs != null) {
            report.writeInto(docs);
            System.out.println("\nWrote the drill's section of " + options.repository().relativize(docs) + ".");
        }
        System.out.println("Rerun: " + options.rerunCommand());
        return report;
    }

    private DrillReport execute(Machine machine, Instant startedAt, DrillStack drillStack) throws Exception {
        // Funded well below wallet-service's balance limit, so that the workload's top-ups can be credited.
        PaymentSetup.Fixture fixture = PaymentSetup.prepare(http, stack, postgres, new PaymentSetup.Sizes(
                options.customers(), options.customers(), Math.max(1, options.merchants() / 4), options.merchants(),
                100_000, 4), options.jvmOptions());
        Thread poller = Thread.ofVirtual().name("drill-status").start(this::pollStatus);
        List<FaultResult> results = new ArrayList<>();
        try (FreshTokens customers = fixture.customers();
                FreshTokens tills = FreshTokens.tills(http, stack.url(Service.AUTH), fixture.tills(), 4)) {
            String runId = Long.toString(System.currentTimeMillis(), 36);
            operations = new DrillOperations(http, stack.url(Service.PAYMENT), customers, fixture.customerUsers(),
                    fixture.merchants(), tills, fixture.devices(), client, runId);
            operations.setUpCards(new StepUps(http, stack), 4);
            DrillOperations ops = operations;
            List<DrillLoad.Operation> mix = List.of(new DrillLoad.Operation(DrillOperations.MPM, 30, ops::mpmPayment),
                    new DrillLoad.Operation(DrillOperations.CPM, 20, ops::cpmPayment),
                    new DrillLoad.Operation(DrillOperations.ORDER_PAYMENT, 10, ops::orderPayment),
                    new DrillLoad.Operation(DrillOperations.REFUND, 10, ops::refund),
                    new DrillLoad.Operation(DrillOperations.CANCEL, 8, ops::cancel),
                    new DrillLoad.Operation(DrillOperations.TOPUP, 10, ops::topUp),
                    new DrillLoad.Operation(DrillOperations.P2P, 12, ops::p2p));
            load = new DrillLoad(mix, options.rate());
            System.out.printf("Workload: %.0f operations/s (%s); baseline for %d s ...%n", options.rate(),
                    mix.stream().map(operation -> operation.name() + " " + operation.weight() + " %")
                            .collect(java.util.stream.Collectors.joining(", ")),
                    options.baseline().toSeconds());
            client.take();
            load.start();
            Thread.sleep(options.baseline().toMillis());
            results.add(window(new Fault("baseline", "no fault: the workload alone", false, null, drill -> {
            }), drillStack));
            for (Fault fault : faults(drillStack)) {
                System.out.printf("Fault %s: %s ...%n", fault.name(), fault.description());
                results.add(window(fault, drillStack));
                FaultResult last = results.getLast();
                System.out.printf("  %s%n", last.window().summary());
                last.invariants().invariants().forEach(invariant -> System.out.printf("  %s %s: %s%n",
                        invariant.pass() ? "PASS" : "FAIL", invariant.name(), invariant.detail()));
                last.problems().forEach(problem -> System.out.printf("  FAIL %s%n", problem));
            }
        } finally {
            if (load != null) {
                load.close();
            }
            polling = false;
            poller.join(2_000);
        }
        return new DrillReport(options, machine, startedAt, Instant.now(), stack.replicaCount(), results,
                load.notStarted(), load.crashed());
    }

    /**
     * Runs one fault with the load going on, then waits until the stack has recovered (every replica ready at the
     * balancer, {@code /v1/status} ok), and checks the invariants on everything acknowledged so far.
     */
    private FaultResult window(Fault fault, DrillStack drillStack) throws Exception {
        long startNs = System.nanoTime();
        long startMs = System.currentTimeMillis();
        List<String> problems = new ArrayList<>();
        try {
            fault.injection().inject(this);
        } catch (Exception e) {
            problems.add("the fault could not be injected or undone: " + e);
        }
        double injectSeconds = (System.nanoTime() - startNs) / 1e9;
        long recoveryStartNs = System.nanoTime();
        try {
            drillStack.awaitRecovered(options.recoveryBound());
        } catch (Exception e) {
            problems.add("not recovered within " + options.recoveryBound().toSeconds() + " s: " + e.getMessage());
        }
        double recoverySeconds = (System.nanoTime() - recoveryStartNs) / 1e9;
        // What was started in the window has had its answer (or given up) once the retries' deadline is over.
        DrillClient.Window window = client.take();
        Map<String, Long> seen = new LinkedHashMap<>();
        statuses.subMap(startMs, System.currentTimeMillis()).values().forEach(status -> seen.merge(status, 1L,
                Long::sum));
        if (fault.degrades() && seen.keySet().stream().allMatch("ok"::equals)) {
            problems.add("/v1/status said ok throughout the fault: " + seen);
        }
        if (window.refusalsWithoutRetryAfter() > 0) {
            problems.add(window.refusalsWithoutRetryAfter() + " refusals (503/429) without Retry-After");
        }
        if (fault.name().equals("rolling-restart") && window.failedOtherwise() + window.gaveUp() > 0) {
            problems.add("the rolling restart failed " + (window.failedOtherwise() + window.gaveUp())
                    + " requests (target 0)");
        }
        long pauseNs = System.nanoTime();
        load.pause();
        DrillInvariants.Result invariants;
        try {
            invariants = DrillInvariants.check(postgres(), operations.acks(), operations.refusals(),
                    options.recoveryBound()).with(DrillInvariants.walletService(http, stack));
        } finally {
            load.resume();
        }
        System.out.printf("  checked with the load paused for %.1f s%n", (System.nanoTime() - pauseNs) / 1e9);
        return new FaultResult(fault, window, injectSeconds, recoverySeconds, seen, invariants, problems);
    }

    private PostgresServer postgres() {
        // After a failover the services, and the checks, reach the promoted standby.
        return stack.postgresPort() == postgres.port() ? postgres : new PostgresServer(stack.postgresPort());
    }

    private List<Fault> faults(DrillStack drillStack) {
        Map<String, Fault> all = new LinkedHashMap<>();
        all.put("surge", new Fault("surge", options.surgeFactor() + "× the rate for " + options.surge().toSeconds()
                + " s", false, "lunchtime-surge", drill -> {
                    load.rate(options.rate() * options.surgeFactor());
                    Thread.sleep(options.surge().toMillis());
                    load.rate(options.rate());
                }));
        all.put("kill", new Fault("kill", "kill -9 of a payment-service replica, then of a wallet-service replica,"
                + " each started again 5 s later", false, "alert-kessaiservicedown", drill -> {
                    for (Service service : List.of(Service.PAYMENT, Service.WALLET)) {
                        Thread.sleep(3_000);
                        stack.killReplica(service, 1);
                        Thread.sleep(5_000);
                        stack.startReplica(service, 1);
                    }
                }));
        all.put("rolling-restart", new Fault("rolling-restart", "SIGTERM to every replica of every service, one at a"
                + " time, each next one once the restarted one takes traffic", false, "graceful-shutdown", drill -> {
                    for (Service service : Service.values()) {
                        for (int number = 1; number <= stack.replicaCount(); number++) {
                            if (!stack.stopReplica(service, number)) {
                                throw new BenchmarkException(service.module() + " replica " + number
                                        + " had to be killed: it did not stop within 30 s of SIGTERM");
                            }
                            stack.startReplica(service, number);
                        }
                    }
                }));
        all.put("wallet-slow", new Fault("wallet-slow", "every wallet-service answer to payment-service held 2 s, for "
                + options.walletSlow().toSeconds() + " s", true, "wallet-service-down", drill -> {
                    drillStack.walletProxy().delayResponses(Duration.ofSeconds(2));
                    try {
                        Thread.sleep(options.walletSlow().toMillis());
                    } finally {
                        drillStack.walletProxy().delayResponses(Duration.ZERO);
                    }
                }));
        all.put("notification-down", new Fault("notification-down", "every notification-service replica stopped for "
                + options.notificationDown().toSeconds() + " s", true, "alert-kessaioutboxbacklog", drill -> {
                    stack.stop(Service.NOTIFICATION);
                    try {
                        Thread.sleep(options.notificationDown().toMillis());
                    } finally {
                        stack.restart(Service.NOTIFICATION);
                    }
                }));
        all.put("auth-down", new Fault("auth-down", "every auth-service replica stopped for "
                + options.authDown().toSeconds() + " s; payments go on with the tokens already issued", false,
                "alert-kessaiservicedown", drill -> {
                    stack.stop(Service.AUTH);
                    try {
                        Thread.sleep(options.authDown().toMillis());
                    } finally {
                        stack.restart(Service.AUTH);
                    }
                }));
        all.put("postgres-restart", new Fault("postgres-restart", "PostgreSQL killed (SIGKILL to the postmaster) under"
                + " load and started again 5 s later; it replays its WAL", true, "durability-of-the-database",
                drill -> {
                    drillStack.crashPostgres();
                    Thread.sleep(5_000);
                    drillStack.restartPostgres();
                }));
        all.put("failover", new Fault("failover", "the primary killed, the synchronous standby promoted, the services"
                + " reconnect to it", true, "database-failover", drill -> drillStack.failover()));
        return options.faults().stream().map(all::get).toList();
    }

    private void pollStatus() {
        URI status = stack.url(Service.PAYMENT).resolve("/v1/status");
        while (polling) {
            String value;
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                value = answer.statusCode() == 200
                        ? Json.field(answer.body(), "status")
                        : "http-"
                                + answer.statusCode();
            } catch (Exception e) {
                value = "unreachable";
            }
            statuses.put(System.currentTimeMillis(), value);
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
