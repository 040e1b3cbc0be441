package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns one run's figures into a console table and into the ledger section of docs/benchmarks.md, which it rewrites
 * between its markers and leaves the rest of the file alone.
 */
final class LedgerReport {

    static final DocsSection SECTION = new DocsSection("<!-- ledger-bench:start -->", "<!-- ledger-bench:end -->");
    static final double LEDGER_TARGET = 0.60; // of pgbench TPS (issue 13)
    static final double BATCH_TARGET = 2.00; // of pgbench TPS, batches of 100 (issue 13)
    static final double HOT_TARGET = 0.80; // of spread throughput
    static final double PACED_P99_TARGET_MS = 50; // single requests at 70 % of their saturation rate (issue 13)

    /** The process groups whose CPU each phase reports; the rest of the machine is everything else. */
    static final String WALLET = "wallet-service";
    static final String POSTGRES = "PostgreSQL";
    static final String GENERATOR = "load generator";
    /** The label of the fixed-rate phase. */
    static final String PACED = "paced";

    /** One load, what it was (for the report's table) and the CPU it took; {@code batchSize} payments per request. */
    record Phase(LoadResult load, String description, CpuMeter.Usage cpu, int batchSize) {

        long transfers() {
            return load.successes() * batchSize;
        }

        double transfersPerSecond() {
            return load.perSecond() * batchSize;
        }

        /** CPU milliseconds {@code group} spent per booked transfer. */
        double cpuMsPerTransfer(String group) {
            return cpu.millisPer(group, transfers());
        }
    }

    /** Everything one run measured; lists are empty for the parts that were skipped. */
    record Run(LedgerOptions options, Machine machine, Instant startedAt, double loadAtStart, double loadAtEnd,
            Map<String, String> postgresSettings, List<Pgbench.Result> pgbench, LoadResult warmup,
            Map<Scenario, Phase> scenarios, Phase paced, String invariants) {
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final Run run;

    LedgerReport(Run run) {
        this.run = run;
    }

    /** Mean TPS of the pgbench runs (before and after the ledger runs), or NaN when pgbench was skipped. */
    double pgbenchTps() {
        return run.pgbench().stream().mapToDouble(Pgbench.Result::tps).average().orElse(Double.NaN);
    }

    String consoleTable() {
        StringBuilder text = new StringBuilder("\n");
        for (Pgbench.Result result : run.pgbench()) {
            text.append(format("pgbench %-7s %10.1f TPS   latency avg %.1f ms%n", result.label(), result.tps(),
                    result.latencyAverageMs()));
        }
        if (!run.scenarios().isEmpty()) {
            text.append(format("%n%-9s %12s %9s %9s %9s %7s %11s %13s %13s%n", "scenario", "transfers/s", "p50 ms",
                    "p99 ms", "max ms", "errors", "vs pgbench", "wallet CPU ms", "PG CPU ms"));
            phases().forEach(phase -> text.append(format("%-9s %12.1f %9.1f %9.1f %9.1f %7d %11s %13.3f %13.3f%n",
                    phase.load().label(), phase.transfersPerSecond(), phase.load().percentileMs(50),
                    phase.load().percentileMs(99), phase.load().maxMs(), phase.load().errors(),
                    versusPgbench(phase), phase.cpuMsPerTransfer(WALLET),
                    phase.cpuMsPerTransfer(POSTGRES))));
        }
        text.append('\n');
        for (Target target : targets()) {
            text.append(format("%-44s %8s  %s%n", target.name(), target.measured(), target.result()));
        }
        return text.toString();
    }

    /** The section between the markers. */
    String markdownSection() {
        LedgerOptions options = run.options();
        StringBuilder md = new StringBuilder();
        md.append("## Ledger throughput\n\n");
        md.append("Measured ").append(WHEN.format(run.startedAt())).append(" (commit ").append(run.machine().commit())
                .append(") with:\n\n    ").append(options.rerunCommand()).append("\n\n")
                .append("That command (see bench/README.md) rewrites this section: edits between its markers are lost.\n\n");
        md.append("Payments of 1 JPY through wallet-service's `POST /v1/internal/transfers` (one leg, customer to")
                .append(" merchant, a fresh\n`Idempotency-Key` each), compared with pgbench's TPC-B-like script on the")
                .append(" same PostgreSQL server: the reference\nfor what this server sustains for a small write")
                .append(" transaction with no application in between.\n\n");
        Machine machine = run.machine();
        md.append(format("- Machine: %d cores%s, %s; JDK %s.%n  Load average (1 min) %.2f at start, %.2f at end;"
                + " the services, PostgreSQL, pgbench and the load generator share these cores.%n", machine.cores(),
                machine.cpu().isEmpty() ? "" : " (" + machine.cpu() + ")", machine.architecture(), machine.jdk(),
                run.loadAtStart(), run.loadAtEnd()));
        md.append("- Services: the packaged jars, started by the local stack with JVM options `")
                .append(String.join(" ", options.jvmOptions())).append("`.\n");
        md.append("- PostgreSQL (embedded, data on disk in `bench/target/bench-data`), as sessions of the wallet and")
                .append(" pgbench databases see it:")
                .append(run.postgresSettings().entrySet().stream()
                        .map(setting -> "`" + setting.getKey() + "` " + setting.getValue())
                        .collect(Collectors.joining(", ", "\n  ", "")))
                .append(".\n");
        if (run.options().skipPgbench()) {
            md.append("- pgbench: skipped (`--skipPgbench`).\n");
        } else {
            md.append(format("- pgbench: built-in TPC-B-like script, scale %d, %d clients, %d threads, %d s per run;"
                    + " the reference is the mean of its runs.%n", options.pgbenchScale(),
                    run.pgbench().get(0).clients(), run.pgbench().get(0).threads(), options.pgbenchSeconds()));
        }
        if (options.skipLedger()) {
            md.append("- Ledger: skipped (`--skipLedger`).\n");
        } else {
            md.append(format(
                    "- Ledger load: %d closed-loop workers, each with its own kept-alive HTTP/1.1 connection (a plain socket client);"
                            + "%n  %,d customers funded with %,d JPY each, %,d merchants (%d sub-accounts each); warm-up %d s (spread, %.1f transfers/s,"
                            + " not counted),%n  then %d s per scenario. Latency: from sending the request to reading the answer,"
                            + " booked transfers (201) only;%n  an error is any other answer, or none.%n",
                    options.concurrency(),
                    options.customers(), options.fundingYen(), options.merchants(),
                    options.merchantSubAccounts(),
                    options.warmupSeconds(),
                    run.warmup().perSecond(), options.measureSeconds()));
        }
        if (!run.pgbench().isEmpty()) {
            md.append("\n| pgbench run | TPS | latency avg (ms) | transactions |\n|---|---:|---:|---:|\n");
            for (Pgbench.Result result : run.pgbench()) {
                md.append(format("| %s | %.1f | %.1f | %d |%n", result.label(), result.tps(),
                        result.latencyAverageMs(), result.transactions()));
            }
        }
        if (!run.scenarios().isEmpty()) {
            md.append("\n| Scenario | Transfers/s | p50 (ms) | p99 (ms) | max (ms) | Errors | vs pgbench TPS |"
                    + " wallet-service CPU per transfer (ms) | PostgreSQL CPU per transfer (ms) | load generator, other"
                    + " (cores) |\n");
            md.append("<!-- latencies are per request: a batch's is that of its whole batch -->\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Phase phase : phases()) {
                LoadResult result = phase.load();
                CpuMeter.Usage cpu = phase.cpu();
                md.append(format("| %s | %.1f | %.1f | %.1f | %.1f | %d | %s | %.3f | %.3f | %.2f, %.2f |%n",
                        phase.description(), phase.transfersPerSecond(), result.percentileMs(50),
                        result.percentileMs(99), result.maxMs(), result.errors(),
                        versusPgbench(phase), phase.cpuMsPerTransfer(WALLET),
                        phase.cpuMsPerTransfer(POSTGRES), cpu.cores(GENERATOR), cpu.otherCores()));
            }
            if (phases().stream().anyMatch(phase -> !phase.load().errorSamples().isEmpty())) {
                md.append("\nFirst distinct error answers:\n\n");
                for (Phase phase : phases()) {
                    LoadResult result = phase.load();
                    result.errorSamples().forEach((sample, count) -> md.append(format("- %s, ×%d: `%s`%n",
                            result.label(), count, sample.replace("`", "'"))));
                }
            }
        }
        if (run.invariants() != null) {
            md.append("\nLedger invariants after the loads (`GET /v1/ops/ledger/invariants`): ")
                    .append(run.invariants())
                    .append(".\n");
        }
        md.append("\n| Target | Measured | Result |\n|---|---:|---|\n");
        for (Target target : targets()) {
            md.append("| ").append(target.name()).append(" | ").append(target.measured()).append(" | ")
                    .append(target.result()).append(" |\n");
        }
        return md.toString();
    }

    /** Rewrites the section between the markers in {@code file}, or appends it with its markers if they are absent. */
    void writeInto(Path file) throws IOException {
        SECTION.writeInto(file, markdownSection());
    }

    /** A goal, what this run measured (as text), and whether it was met (null: not measured). */
    private record Target(String name, String measured, Boolean met) {

        /** A ratio that should reach {@code goal}. */
        static Target atLeast(String name, double ratio, double goal) {
            return new Target(name, percent(ratio), Double.isNaN(ratio) ? null : ratio >= goal);
        }

        String result() {
            return met == null ? "not measured" : met ? "met" : "not met";
        }
    }

    private List<Target> targets() {
        Phase spread = scenario(Scenario.SPREAD);
        Phase hot = scenario(Scenario.HOT);
        Phase batches = scenario(Scenario.SPREAD_BATCH_100);
        double ledgerShare = spread == null ? Double.NaN : spread.transfersPerSecond() / pgbenchTps();
        double hotShare = spread == null || hot == null
                ? Double.NaN
                : hot.transfersPerSecond() / spread.transfersPerSecond();
        double batchShare = batches == null ? Double.NaN : batches.transfersPerSecond() / pgbenchTps();
        Phase paced = run.paced();
        double pacedP99 = paced == null ? Double.NaN : paced.load().percentileMs(99);
        return List.of(
                Target.atLeast("single requests (spread) ≥ " + percent(LEDGER_TARGET) + " of pgbench TPS", ledgerShare,
                        LEDGER_TARGET),
                Target.atLeast("hot ≥ " + percent(HOT_TARGET) + " of spread", hotShare, HOT_TARGET),
                Target.atLeast("batches of 100 ≥ " + percent(BATCH_TARGET) + " of pgbench TPS", batchShare,
                        BATCH_TARGET),
                new Target(format("p99 at %d %% of spread's rate ≤ %.0f ms", run.options().pacedPercent(),
                        PACED_P99_TARGET_MS), Double.isNaN(pacedP99) ? "n/a" : format("%.1f ms", pacedP99),
                        Double.isNaN(pacedP99) ? null : pacedP99 <= PACED_P99_TARGET_MS));
    }

    /** A closed loop's throughput as a share of pgbench's; the paced run's rate was chosen, so it has none. */
    private String versusPgbench(Phase phase) {
        return phase == run.paced() ? "(paced)" : percent(phase.transfersPerSecond() / pgbenchTps());
    }

    /** The scenarios, then the paced run if there was one. */
    private List<Phase> phases() {
        List<Phase> phases = new ArrayList<>(run.scenarios().values());
        if (run.paced() != null) {
            phases.add(run.paced());
        }
        return phases;
    }

    private Phase scenario(Scenario scenario) {
        return run.scenarios().get(scenario);
    }

    private static String percent(double ratio) {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : format("%.0f %%", ratio * 100);
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
