package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The payments benchmark's figures: a console table, and its section of docs/benchmarks.md. */
final class PaymentReport {

    static final DocsSection SECTION = new DocsSection("<!-- payment-bench:start -->", "<!-- payment-bench:end -->");
    static final double THROUGHPUT_TARGET = 1_000; // payments/s end to end (issue 14)
    static final double P99_TARGET_MS = 50; // at 70 % of saturation
    static final double HOT_TARGET = 0.80; // of spread's saturation
    static final double SURGE_P99_TARGET_MS = 250; // of the accepted payments during the surge
    /** A refusal during the surge counts as fast below this. */
    static final double FAST_REFUSAL_MS = 250;

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** What a run was measured on and with. */
    record Context(PaymentOptions options, Machine machine, Instant startedAt, double loadAtStart,
            Map<String, String> postgresSettings) {
    }

    /** One Gatling run: its report and where the CPU went in each segment that ran. */
    record GatlingPart(String description, Path report, Map<PaymentLoad.Outcomes, CpuMeter.Usage> usage,
            Map<PaymentLoad.Outcomes, Map<String, Double>> commits, RiskCost risk) {

        /** Commits per payment in the services' databases that a payment writes to. */
        String commitsOf(PaymentLoad.Outcomes outcomes) {
            Map<String, Double> ratios = commits.getOrDefault(outcomes, Map.of());
            return String.join(", ", COMMITTING.stream()
                    .map(database -> format("%.1f", ratios.getOrDefault(database, Double.NaN))).toList());
        }
    }

    /** The databases whose commits per payment the loads table shows, in its column's order. */
    static final List<String> COMMITTING = List.of("payment", "wallet", "notification");

    private final Context context;
    private final double loadAtEnd;
    private final double setupSeconds;
    private final List<Pgbench.Result> pgbench;
    private final List<GatlingPart> search;
    private final List<PaymentLoad.Phase> spreadSteps;
    private final List<PaymentLoad.Phase> hotSteps;
    private final double spreadSaturation;
    private final double hotSaturation;
    private final double pacedRate;
    private final GatlingPart loads;
    private final PaymentChecks.Result exactlyOnce;
    private final String invariants;

    PaymentReport(Context context, double loadAtEnd, double setupSeconds, List<Pgbench.Result> pgbench,
            List<GatlingPart> search, List<PaymentLoad.Phase> spreadSteps, List<PaymentLoad.Phase> hotSteps,
            double spreadSaturation, double hotSaturation, double pacedRate, GatlingPart loads,
            PaymentChecks.Result exactlyOnce, String invariants) {
        this.context = context;
        this.loadAtEnd = loadAtEnd;
        this.setupSeconds = setupSeconds;
        this.pgbench = pgbench;
        this.search = search;
        this.spreadSteps = spreadSteps;
        this.hotSteps = hotSteps;
        this.spreadSaturation = spreadSaturation;
        this.hotSaturation = hotSaturation;
        this.pacedRate = pacedRate;
        this.loads = loads;
        this.exactlyOnce = exactlyOnce;
        this.invariants = invariants;
    }

    /**
     * The most payments per second (201) that a step of the search completed while it kept up; when even the first
     * step did not, what that step completed. NaN without steps.
     */
    static double saturation(List<PaymentLoad.Phase> steps) {
        double best = Double.NaN;
        for (PaymentLoad.Phase step : steps) {
            if (step.keptUp()) {
                best = Double.isNaN(best)
                        ? step.outcomes[0].completedPerSecond()
                        : Math.max(best, step.outcomes[0].completedPerSecond());
            }
        }
        return Double.isNaN(best) && !steps.isEmpty() ? steps.getFirst().outcomes[0].completedPerSecond() : best;
    }

    /** One line per segment that ran, as the run prints them when a Gatling run ends. */
    static String phaseLines(GatlingPart part) {
        StringBuilder text = new StringBuilder();
        part.usage().forEach((outcomes, usage) -> {
            text.append(format("%s: offered %.0f/s, %,d sent, %.1f payments/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
                    + " %,d pending, %,d shed %s (p99 %.1f ms), %,d errors; CPU per payment: payment-service %.3f ms,"
                    + " wallet-service %.3f ms, PostgreSQL %.3f ms; transactions per payment (payment, wallet, notification)"
                    + " %s%n", outcomes.segment.label(),
                    outcomes.segment.perSecond(), outcomes.sent(), outcomes.completedPerSecond(),
                    outcomes.acceptedPercentileMs(50), outcomes.acceptedPercentileMs(99), outcomes.acceptedMaxMs(),
                    outcomes.pending(), outcomes.shed(), outcomes.shedByStatus(), outcomes.shedPercentileMs(99),
                    outcomes.errors(), perPayment(usage, outcomes, PaymentBenchmark.PAYMENT),
                    perPayment(usage, outcomes, PaymentBenchmark.WALLET),
                    perPayment(usage, outcomes, PaymentBenchmark.POSTGRES), part.commitsOf(outcomes)));
            outcomes.errorSamples().forEach((sample, count) -> text.append("  error ×").append(count).append(": ")
                    .append(sample).append('\n'));
        });
        text.append("Risk engine: ").append(part.risk() == null ? "unknown (metrics not read)" : part.risk().summary())
                .append('\n');
        text.append("HTML report: ").append(part.report()).append('\n');
        return text.toString();
    }

    String console() {
        return "\n" + body();
    }

    void writeInto(Path docs) throws IOException {
        SECTION.writeInto(docs, body());
    }

    /** Something lost or doubled, or a broken ledger, fails the run; a missed target does not. */
    void failIfBroken() {
        if (!exactlyOnce.ok()) {
            throw new BenchmarkException("payments lost or doubled: " + exactlyOnce.summary());
        }
        if (!"ok".equals(invariants)) {
            throw new BenchmarkException(invariants);
        }
    }

    private String body() {
        PaymentOptions options = context.options();
        Machine machine = context.machine();
        StringBuilder text = new StringBuilder();
        text.append("## Payments throughput (issue 14)\n\n");
        text.append(format("Measured %s (commit %s) with:%n%n    %s%n%n", WHEN.format(context.startedAt()),
                machine.commit(), options.rerunCommand()));
        text.append(
                "That command (see bench/README.md) rewrites this section: edits between its markers are lost.\n\n");
        text.append("Customers' MPM payments of 1 JPY (`POST /v1/payments` with a store's static code and the typed"
                + " amount, a fresh `Idempotency-Key` each, the customer's access token from auth-service) through"
                + " payment-service and wallet-service on one PostgreSQL server, under an open-model load (Gatling:"
                + " payments arrive at a fixed rate whatever the answers do, so latency includes queueing and there is"
                + " no coordinated omission), compared with pgbench's TPC-B-like script on the same server.\n\n");
        text.append(format("- Machine: %d cores (%s), %s; JDK %s.%n  Load average (1 min) %.2f at start, %.2f at end;"
                + " the services, PostgreSQL, pgbench and Gatling share these cores.%n", machine.cores(),
                machine.cpu(), machine.architecture(), machine.jdk(), context.loadAtStart(), loadAtEnd));
        text.append(format("- Services: the packaged jars, started by the local stack with JVM options `%s`, and the"
                + " risk engine's velocity thresholds lifted for the load (`%s`: %,d customers paying several times a"
                + " second each would rightly be stopped; every payment is still judged by every rule).%n",
                String.join(" ", options.jvmOptions()), String.join(" ", PaymentBenchmark.LOAD_RISK_SETTINGS),
                options.customers()));
        text.append("- PostgreSQL (embedded, durable, data in `bench/target/payment-bench-data`) as payment-service's"
                + " sessions see it: ");
        text.append(String.join(", ", context.postgresSettings().entrySet().stream()
                .map(entry -> "`" + entry.getKey() + "` " + entry.getValue()).toList())).append(".\n");
        text.append(format("- Set up through the APIs in %.0f s: %,d customers and %,d merchant owners (written into"
                + " auth-service's database with a bound device, as the auth benchmark does, then signed in with"
                + " password and device proof: real tokens, renewed before each Gatling run and every 200 s within one); %,d merchants applied for by the"
                + " owners (`POST /v1/merchants`, one store each), approved by ops, ledger accounts opened by"
                + " payment-service's outbox, static codes read by their owners"
                + " (`GET /v1/merchants/{id}/stores/{storeId}/code`); each customer's wallet topped up with %,d JPY.%n",
                setupSeconds, options.customers(), options.owners(), options.merchants(), options.fundingYen()));
        text.append(format("- Load: Gatling %s embedded in the benchmark's JVM, %d connections shared by the virtual"
                + " users (as a load balancer's pool); latency from when each payment was due until its answer; %d quiet seconds before each phase"
                + " after the first. Warm-up %d s at %d/s (not counted). Saturation search: steps of %d s from %d/s by %d/s (to %d/s at most),"
                + " spread then hot; a step keeps up when ≥ %.0f %% of its rate completed (201), ≤ %.0f %% were not"
                + " accepted and the accepted p99 ≤ %d ms; the search (a Gatling run for spread, one for hot) ends at the first step that does not.%n",
                "3.14.9", options.connections(), options.pauseSeconds(), options.warmupSeconds(), options.warmupRate(),
                options.stepSeconds(), options.stepStartRate(), options.stepRate(), options.stepMaxRate(),
                PaymentLoad.KEPT_UP * 100, PaymentLoad.MAX_FAILED_SHARE * 100, options.stepP99LimitMs()));
        text.append("- HTML reports (Gatling's): ");
        search.forEach(part -> text.append(format("`%s` (%s), ", relative(part.report()), part.description())));
        text.append(format("`%s` (%s).%n%n", relative(loads.report()), loads.description()));

        if (!pgbench.isEmpty()) {
            text.append("| pgbench run | TPS | latency avg (ms) | transactions |\n|---|---:|---:|---:|\n");
            pgbench.forEach(result -> text.append(format("| %s | %.1f | %.1f | %d |%n", result.label(), result.tps(),
                    result.latencyAverageMs(), result.transactions())));
            text.append('\n');
        }
        text.append("Saturation search (201 payments per second completed at each offered rate):\n\n");
        text.append("| step | offered/s | payments/s | p50 (ms) | p99 (ms) | 202 | 503/429 | errors | kept up |\n");
        text.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (PaymentLoad.Phase step : concat(spreadSteps, hotSteps)) {
            if (!step.outcomes[0].begun() || step.skipped()) {
                continue;
            }
            PaymentLoad.Outcomes o = step.outcomes[0];
            text.append(format("| %s | %.0f | %.1f | %.1f | %.1f | %,d | %,d | %,d | %s |%n", step.name,
                    o.segment.perSecond(), o.completedPerSecond(), o.acceptedPercentileMs(50),
                    o.acceptedPercentileMs(99), o.pending(), o.shed(), o.errors(), step.keptUp() ? "yes" : "no"));
        }
        text.append('\n');
        text.append(format("Saturation: spread %.1f payments/s%s, hot %.1f payments/s.%n%n", spreadSaturation,
                pgbenchTps() > 0 ? format(" (%.0f %% of pgbench TPS)", spreadSaturation / pgbenchTps() * 100) : "",
                hotSaturation));

        text.append(format("Loads at %.0f payments/s (%d %% of spread's saturation), and the surge:%n%n", pacedRate,
                options.loadPercent()));
        text.append(
                "| phase | offered/s | payments/s | p50 (ms) | p99 (ms) | max (ms) | 202 | 503/429 (p99 ms) | errors"
                        + " | CPU per payment (ms): payment-service, wallet-service, PostgreSQL, auth-service,"
                        + " notification-service | Gatling, other (cores)"
                        + " | transactions per payment: payment, wallet, notification |\n");
        text.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        loads.usage().forEach((o, usage) -> text.append(format(
                "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %,d | %,d (%s) | %,d | %.3f, %.3f, %.3f, %.3f, %.3f"
                        + " | %.2f, %.2f | %s |%n",
                o.segment.label(), o.segment.perSecond(), o.completedPerSecond(), o.acceptedPercentileMs(50),
                o.acceptedPercentileMs(99), o.acceptedMaxMs(), o.pending(), o.shed(),
                o.shed() == 0 ? "–" : format("%.1f", o.shedPercentileMs(99)), o.errors(),
                perPayment(usage, o, PaymentBenchmark.PAYMENT), perPayment(usage, o, PaymentBenchmark.WALLET),
                perPayment(usage, o, PaymentBenchmark.POSTGRES), perPayment(usage, o, PaymentBenchmark.AUTH),
                perPayment(usage, o, PaymentBenchmark.NOTIFICATION), usage.cores(PaymentBenchmark.GENERATOR),
                usage.otherCores(), loads.commitsOf(o))));
        text.append(
                "\nTransactions per payment: what each database committed (`pg_stat_database.xact_commit`, read-only"
                        + " statements outside a transaction included, and the outbox's and reconciler's work) per acknowledged"
                        + " payment in that phase.\n");
        text.append('\n');
        loads.usage().keySet().stream().filter(o -> o.errors() > 0).forEach(o -> o.errorSamples().forEach(
                (sample, count) -> text.append(format("- %s, error ×%d: `%s`%n", o.segment.label(), count,
                        sample.replace('`', '\'')))));
        text.append(format("%nRisk engine (every payment is judged: freezes, limits, velocity, new devices, the 7pay"
                + " pattern; one read, the totals' upserts and one insert of the decisions per group): %s in the loads"
                + " above; %s in the saturation search.%n", loads.risk() == null ? "unknown" : loads.risk().summary(),
                search.stream().map(part -> part.risk() == null ? "unknown" : part.risk().summary())
                        .collect(java.util.stream.Collectors.joining("; "))));
        text.append(format("%nAfter the loads: %s.%n%nLedger invariants (`GET /v1/ops/ledger/invariants`): %s.%n%n",
                exactlyOnce.summary(), invariants));

        text.append("| Target | Measured | Result |\n|---|---:|---|\n");
        target(text, "≥ 1,000 payments/s end to end (spread saturation)", format("%.1f/s", spreadSaturation),
                spreadSaturation >= THROUGHPUT_TARGET);
        PaymentLoad.Outcomes spread = segment("spread");
        if (spread != null) {
            target(text, format("p99 ≤ %.0f ms at %d %% of saturation (spread)", P99_TARGET_MS,
                    options.loadPercent()), format("%.1f ms", spread.acceptedPercentileMs(99)),
                    spread.acceptedPercentileMs(99) <= P99_TARGET_MS);
        }
        if (!hotSteps.isEmpty()) {
            double ratio = hotSaturation / spreadSaturation;
            target(text, "hot ≥ 80 % of spread (saturation)", format("%.0f %%", ratio * 100), ratio >= HOT_TARGET);
        }
        PaymentLoad.Outcomes surge = loads.usage().keySet().stream()
                .filter(o -> o.segment.label().endsWith("surge") && o.segment.label().contains("×"))
                .findFirst().orElse(null);
        if (surge != null) {
            target(text, format("surge: p99 of accepted ≤ %.0f ms", SURGE_P99_TARGET_MS),
                    format("%.1f ms", surge.acceptedPercentileMs(99)),
                    surge.acceptedPercentileMs(99) <= SURGE_P99_TARGET_MS);
            boolean fast = surge.shed() == 0 || surge.shedPercentileMs(99) <= FAST_REFUSAL_MS;
            target(text, format("surge: the rest only fast 503/429 (p99 ≤ %.0f ms), no other failure",
                    FAST_REFUSAL_MS),
                    format("%,d refused (p99 %s), %,d errors", surge.shed(), surge.shed() == 0
                            ? "–"
                            : format("%.1f ms", surge.shedPercentileMs(99)), surge.errors()),
                    fast && surge.errors() == 0);
        }
        target(text, "every acknowledged payment recorded exactly once", exactlyOnce.ok() ? "yes" : "no",
                exactlyOnce.ok());
        text.append("\nWhat limits throughput, from profiles of these services: see \"Payments: what limits"
                + " throughput\" below this section.\n");
        return text.toString();
    }

    private PaymentLoad.Outcomes segment(String label) {
        return loads.usage().keySet().stream().filter(o -> o.segment.label().equals(label)).findFirst()
                .orElse(null);
    }

    private double pgbenchTps() {
        return pgbench.stream().mapToDouble(Pgbench.Result::tps).average().orElse(0);
    }

    private String relative(Path path) {
        try {
            return context.options().repository().relativize(path).toString();
        } catch (IllegalArgumentException other) {
            return path.toString();
        }
    }

    private static void target(StringBuilder text, String name, String measured, boolean met) {
        text.append(format("| %s | %s | %s |%n", name, measured, met ? "met" : "missed"));
    }

    private static double perPayment(CpuMeter.Usage usage, PaymentLoad.Outcomes outcomes, String process) {
        return usage.millisPer(process, outcomes.completed() + outcomes.pending());
    }

    private static List<PaymentLoad.Phase> concat(List<PaymentLoad.Phase> a, List<PaymentLoad.Phase> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
