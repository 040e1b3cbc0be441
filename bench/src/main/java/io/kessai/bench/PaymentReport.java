package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The payments benchmark's figures: a console table, and its section of docs/benchmarks.md. */
final class PaymentReport {

    static final DocsSection SECTION = new DocsSection("<!-- payment-bench:start -->", "<!-- payment-bench:end -->");
    static final double THROUGHPUT_TARGET = 1_000; // payments/s end to end (issue 14, and for CPM issue 15)
    static final double P99_TARGET_MS = 50; // at 70 % of saturation
    static final double HOT_TARGET = 0.80; // of spread's saturation
    static final double SURGE_P99_TARGET_MS = 250; // of the accepted payments during the surge
    /** A refusal during the surge counts as fast below this. */
    static final double FAST_REFUSAL_MS = 250;

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** The processes whose CPU per payment the loads table shows, in its column's order. */
    private static final List<String> PER_PAYMENT = List.of(PaymentBenchmark.PAYMENT, PaymentBenchmark.WALLET,
            PaymentBenchmark.POSTGRES, PaymentBenchmark.AUTH, PaymentBenchmark.NOTIFICATION);

    /** The databases whose commits per payment the loads table shows, in its column's order. */
    static final List<String> COMMITTING = List.of("payment", "wallet", "notification");

    /** What a run was measured on and with. */
    record Context(PaymentOptions options, Machine machine, Instant startedAt, double loadAtStart,
            Map<String, String> postgresSettings) {
    }

    /** One Gatling run: its report, the machine's load average as it began, and what each segment that ran cost. */
    record GatlingPart(String description, Path report, double loadAtStart,
            Map<PaymentLoad.Outcomes, PaymentLoad.Cost> costs) {

        /** Commits per payment in the services' databases that a payment writes to. */
        String commitsOf(PaymentLoad.Outcomes outcomes) {
            Map<String, Double> ratios = costs.get(outcomes).commitsPerPayment();
            return String.join(", ", COMMITTING.stream()
                    .map(database -> format("%.1f", ratios.getOrDefault(database, Double.NaN))).toList());
        }

        /** The risk engine's time over the whole run, or null when its metrics could not be read. */
        RiskCost risk() {
            return costs.values().stream().map(PaymentLoad.Cost::risk)
                    .reduce(RiskCost.NONE, (sum, risk) -> sum == null || risk == null ? null : sum.plus(risk));
        }
    }

    /**
     * One payment mode as measured (MPM or CPM): its saturation search, the saturation of spread and hot, the loads'
     * rate and the loads' Gatling run.
     */
    record Mode(String name, List<GatlingPart> search, List<PaymentLoad.Phase> spreadSteps,
            List<PaymentLoad.Phase> hotSteps, double spreadSaturation, double hotSaturation, double pacedRate,
            GatlingPart loads) {

        /** The loads' segment labelled {@code label}, or null when it did not run. */
        PaymentLoad.Outcomes segment(String label) {
            return loads.costs().keySet().stream().filter(o -> o.segment.label().equals(label)).findFirst()
                    .orElse(null);
        }

        /** The surge's own segment (the one at the surge's rate), or null when there was no surge. */
        PaymentLoad.Outcomes surge() {
            return loads.costs().keySet().stream()
                    .filter(o -> o.segment.label().endsWith("surge") && o.segment.label().contains("×"))
                    .findFirst().orElse(null);
        }
    }

    private final Context context;
    private final double loadAtEnd;
    private final double setupSeconds;
    private final List<Pgbench.Result> pgbench;
    private final List<Mode> modes;
    private final PaymentChecks.Result exactlyOnce;
    private final String invariants;
    private final CpmDevices devices;
    private final ServiceMemory memory;

    /**
     * {@code devices}: those that showed the CPM codes, or null when CPM was not measured; {@code memory}: the
     * services' after the loads.
     */
    PaymentReport(Context context, double loadAtEnd, double setupSeconds, List<Pgbench.Result> pgbench,
            List<Mode> modes, PaymentChecks.Result exactlyOnce, String invariants, CpmDevices devices,
            ServiceMemory memory) {
        this.context = context;
        this.loadAtEnd = loadAtEnd;
        this.setupSeconds = setupSeconds;
        this.pgbench = pgbench;
        this.modes = modes;
        this.exactlyOnce = exactlyOnce;
        this.invariants = invariants;
        this.devices = devices;
        this.memory = memory;
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

    /** A saturation as the report says it: when no step kept up, the figure is what the first step completed. */
    private static String saturationText(List<PaymentLoad.Phase> steps, double saturation) {
        if (steps.isEmpty()) {
            return "not measured";
        }
        return format("%.1f payments/s", saturation) + (steps.stream().anyMatch(PaymentLoad.Phase::keptUp)
                ? ""
                : " (no step kept up: what its first step completed)");
    }

    /** One line per segment that ran, as the run prints them when a Gatling run ends. */
    static String phaseLines(GatlingPart part) {
        StringBuilder text = new StringBuilder();
        part.costs().forEach((outcomes, cost) -> {
            text.append(format("%s: offered %.0f/s, %,d sent, %.1f payments/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
                    + " %,d pending, %,d shed %s (p99 %.1f ms), %,d errors; CPU per payment (ms): payment-service,"
                    + " wallet-service, PostgreSQL, auth-service, notification-service %s; risk engine (µs per payment:"
                    + " CPU, wall) %s; transactions per payment (payment, wallet, notification) %s%n",
                    outcomes.segment.label(), outcomes.segment.perSecond(), outcomes.sent(),
                    outcomes.completedPerSecond(), outcomes.acceptedPercentileMs(50),
                    outcomes.acceptedPercentileMs(99), outcomes.acceptedMaxMs(), outcomes.pending(), outcomes.shed(),
                    outcomes.shedByStatus(), outcomes.shedPercentileMs(99), outcomes.errors(),
                    cpuPerPayment(cost, outcomes), riskMicros(cost.risk()), part.commitsOf(outcomes)));
            outcomes.errorSamples().forEach((sample, count) -> text.append("  error ×").append(count).append(": ")
                    .append(sample).append('\n'));
        });
        text.append("Risk engine over the run: ").append(riskSummary(part.risk())).append('\n');
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
        StringBuilder text = new StringBuilder();
        text.append("## Payments throughput (issues 14 and 15)\n\n");
        text.append(format("Measured %s (commit %s) with:%n%n    %s%n%n", WHEN.format(context.startedAt()),
                context.machine().commit(), context.options().rerunCommand()));
        text.append(
                "That command (see bench/README.md) rewrites this section: edits between its markers are lost.\n\n");
        text.append("Payments of 1 JPY through payment-service and wallet-service on one PostgreSQL server, under an"
                + " open-model load (Gatling: payments arrive at a fixed rate whatever the answers do, so latency"
                + " includes queueing and there is no coordinated omission), compared with pgbench's TPC-B-like script"
                + " on the same server, in two modes measured one after the other:\n\n");
        text.append("- **MPM**: customers pay a store's static code (`POST /v1/payments` with the code and the typed"
                + " amount, a fresh `Idempotency-Key` each, the customer's access token from auth-service);\n");
        text.append("- **CPM**: the store's till charges the 20-digit one-time code the customer's device shows"
                + " (`POST /v1/cpm-payments` with the code, the amount and a fresh `merchantPaymentId` and"
                + " `Idempotency-Key`, the till's client-credentials token); each device derives its codes offline"
                + " from its payment key as the app does (`cpm-reference`: HMAC-SHA256 over the 30 s time step and a"
                + " counter), shows them in order and one at a time, since a code is accepted once and an older code"
                + " is refused once a later one paid.\n\n");
        setting(text);
        for (Mode mode : modes) {
            mode(text, mode);
        }
        summary(text);
        text.append(format("%nAfter the loads: %s.%n%nLedger invariants (`GET /v1/ops/ledger/invariants`): %s.%n%n",
                exactlyOnce.summary(), invariants));
        text.append(format("Memory: each service's peak resident set since it started, through the setup and every"
                + " load above (`VmHWM`, with its resident set after the loads in brackets; JVM options `%s`): %s."
                + " The Helm chart's memory requests and limits follow from these (helm/kessai/README.md,"
                + " \"Resources\").%n%n", String.join(" ", context.options().jvmOptions()), memory.summary()));
        targets(text);
        text.append("\nWhat limits throughput, from profiles of these services: see \"Payments: what limits"
                + " throughput\" below this section.\n");
        return text.toString();
    }

    /** The machine, the services, the database, the setup, the load's shape and the HTML reports. */
    private void setting(StringBuilder text) {
        PaymentOptions options = context.options();
        Machine machine = context.machine();
        text.append(format("- Machine: %d cores (%s), %s; JDK %s.%n  Load average (1 min) %.2f at start, %.2f at end"
                + " (and at the start of each Gatling run, below); the services, PostgreSQL, pgbench and Gatling"
                + " share these cores, with whatever else ran on the machine (the \"other\" column).%n",
                machine.cores(), machine.cpu(), machine.architecture(), machine.jdk(), context.loadAtStart(),
                loadAtEnd));
        text.append(format("- Services: the packaged jars, started by the local stack with JVM options `%s`, and, for"
                + " the load, the risk engine's velocity thresholds and offline limits lifted (`%s`: %,d customers"
                + " paying several times a second each would rightly be stopped, and offline payments have lower"
                + " limits of their own; every payment is still judged by every rule).%n",
                String.join(" ", options.jvmOptions()), String.join(" ", PaymentBenchmark.LOAD_RISK_SETTINGS),
                options.customers()));
        text.append("- PostgreSQL (embedded, durable, data in `bench/target/payment-bench-data`) as payment-service's"
                + " sessions see it: ");
        text.append(String.join(", ", context.postgresSettings().entrySet().stream()
                .map(entry -> "`" + entry.getKey() + "` " + entry.getValue()).toList())).append(".\n");
        text.append(format("- Set up through the APIs in %.0f s: %,d customers and %,d merchant owners (written into"
                + " auth-service's database with a bound device, as the auth benchmark does, then signed in with"
                + " password and device proof: real tokens, renewed before each Gatling run and every 200 s within"
                + " one); %,d merchants applied for by the owners (`POST /v1/merchants`, one store each), approved by"
                + " ops, ledger accounts opened by payment-service's outbox, static codes read by their owners"
                + " (`GET /v1/merchants/{id}/stores/{storeId}/code`); each customer's wallet topped up with %,d"
                + " JPY.%n", setupSeconds, options.customers(), options.owners(), options.merchants(),
                options.fundingYen()));
        if (devices != null) {
            text.append(format("- For CPM: a till for each merchant's store, made by its owner after an SMS step-up"
                    + " (`POST /v1/me/merchants/{id}/tills` at auth-service), its token from its client credentials;"
                    + " %,d more customers made the same way, each stepped up by SMS (the code read from"
                    + " notification-service's dev inbox) and issued a payment key for its device"
                    + " (`POST /v1/payment-keys`), wallets topped up alike. Their devices take turns: at most %,.0f"
                    + " codes/s (100 per device and time step).%n", devices.count(), devices.maxCodesPerSecond()));
        }
        text.append(format("- Load: Gatling 3.14.9 embedded in the benchmark's JVM, %d connections shared by the"
                + " virtual users (as a load balancer's pool); latency from when each payment was due until its"
                + " answer; %d quiet seconds before each phase after the first. Each mode: warm-up %d s at %d/s (not"
                + " counted); saturation search in steps of %d s from %d/s by %d/s (to %d/s at most), spread then"
                + " hot; a step keeps up when ≥ %.0f %% of its rate completed (201), ≤ %.0f %% were not accepted and"
                + " the accepted p99 ≤ %d ms; the search (a Gatling run for spread, one for hot) ends at the first"
                + " step that does not; then the loads at %d %% of spread's saturation and the surge.%n",
                options.connections(), options.pauseSeconds(), options.warmupSeconds(), options.warmupRate(),
                options.stepSeconds(), options.stepStartRate(), options.stepRate(), options.stepMaxRate(),
                PaymentLoad.KEPT_UP * 100, PaymentLoad.MAX_FAILED_SHARE * 100, options.stepP99LimitMs(),
                options.loadPercent()));
        text.append("- HTML reports (Gatling's), with the load average (1 min) as each run began: ");
        text.append(modes.stream().flatMap(mode -> Stream.concat(mode.search().stream(), Stream.of(mode.loads())))
                .map(part -> format("`%s` (%s, %.2f)", relative(part.report()), part.description(),
                        part.loadAtStart()))
                .collect(Collectors.joining(", "))).append(".\n\n");
        if (!pgbench.isEmpty()) {
            text.append("| pgbench run | TPS | latency avg (ms) | transactions |\n|---|---:|---:|---:|\n");
            pgbench.forEach(result -> text.append(format("| %s | %.1f | %.1f | %d |%n", result.label(), result.tps(),
                    result.latencyAverageMs(), result.transactions())));
            text.append('\n');
        }
    }

    /** One mode's saturation search, its loads and their costs. */
    private void mode(StringBuilder text, Mode mode) {
        text.append(format("### %s%n%n", mode.name()));
        text.append("Saturation search (201 payments per second completed at each offered rate):\n\n");
        text.append("| step | offered/s | payments/s | p50 (ms) | p99 (ms) | 202 | 503/429 | errors | kept up |\n");
        text.append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (PaymentLoad.Phase step : Stream.concat(mode.spreadSteps().stream(), mode.hotSteps().stream()).toList()) {
            if (!step.outcomes[0].begun() || step.skipped()) {
                continue;
            }
            PaymentLoad.Outcomes o = step.outcomes[0];
            text.append(format("| %s | %.0f | %.1f | %.1f | %.1f | %,d | %,d | %,d | %s |%n", step.name,
                    o.segment.perSecond(), o.completedPerSecond(), o.acceptedPercentileMs(50),
                    o.acceptedPercentileMs(99), o.pending(), o.shed(), o.errors(), step.keptUp() ? "yes" : "no"));
        }
        text.append('\n');
        text.append(format("Saturation: spread %s%s, hot %s.%n%n", saturationText(mode.spreadSteps(),
                mode.spreadSaturation()),
                pgbenchTps() > 0
                        ? format(" (%.0f %% of pgbench TPS)", mode.spreadSaturation() / pgbenchTps() * 100)
                        : "",
                saturationText(mode.hotSteps(), mode.hotSaturation())));

        text.append(format("Loads at %.0f payments/s (%d %% of spread's saturation), and the surge:%n%n",
                mode.pacedRate(), context.options().loadPercent()));
        text.append(
                "| phase | offered/s | payments/s | p50 (ms) | p99 (ms) | max (ms) | 202 | 503/429 (p99 ms) | errors"
                        + " | CPU per payment (ms): payment-service, wallet-service, PostgreSQL, auth-service,"
                        + " notification-service | risk engine (µs per payment): CPU, wall | Gatling, other (cores)"
                        + " | transactions per payment: payment, wallet, notification |\n");
        text.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        GatlingPart loads = mode.loads();
        loads.costs().forEach((o, cost) -> text.append(format(
                "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %,d | %,d (%s) | %,d | %s | %s | %.2f, %.2f | %s |%n",
                o.segment.label(), o.segment.perSecond(), o.completedPerSecond(), o.acceptedPercentileMs(50),
                o.acceptedPercentileMs(99), o.acceptedMaxMs(), o.pending(), o.shed(),
                o.shed() == 0 ? "–" : format("%.1f", o.shedPercentileMs(99)), o.errors(), cpuPerPayment(cost, o),
                riskMicros(cost.risk()), cost.usage().cores(PaymentBenchmark.GENERATOR), cost.usage().otherCores(),
                loads.commitsOf(o))));
        text.append('\n');
        loads.costs().keySet().stream().filter(o -> o.errors() > 0).forEach(o -> o.errorSamples().forEach(
                (sample, count) -> text.append(format("- %s, error ×%d: `%s`%n", o.segment.label(), count,
                        sample.replace('`', '\'')))));
        text.append(format("Risk engine: %s in the loads above; %s in the saturation search.%n%n",
                riskSummary(loads.risk()), mode.search().stream().map(part -> riskSummary(part.risk()))
                        .collect(Collectors.joining("; "))));
    }

    /** The figures the modes are compared by, side by side. */
    private void summary(StringBuilder text) {
        text.append("### MPM and CPM side by side\n\n");
        text.append("CPU per payment and the risk engine's time per payment are those of the spread load at "
                + context.options().loadPercent() + " % of each mode's own saturation. Transactions per payment:"
                + " what each database committed (`pg_stat_database.xact_commit`, read-only statements outside a"
                + " transaction included, and the outbox's and reconciler's work) per acknowledged payment. The risk"
                + " engine's CPU is its rules' time in payment-service (`kessai_risk_rules_seconds`: pure code) plus"
                + " PostgreSQL's execution time of its statements (pg_stat_statements: the figures query, the"
                + " decisions, the running totals); its wall time is `kessai_risk_judge_seconds` (a group's"
                + " judgement, its statements and the waits for them included); both divided among the group's"
                + " payments.\n\n");
        text.append("| | ").append(modes.stream().map(Mode::name).collect(Collectors.joining(" | ")))
                .append(" |\n|---|").append("---:|".repeat(modes.size())).append('\n');
        row(text, "saturation, spread (payments/s)", mode -> format("%.1f", mode.spreadSaturation()));
        row(text, "saturation, hot (payments/s)", mode -> format("%.1f", mode.hotSaturation()));
        row(text, "spread at " + context.options().loadPercent() + " %: payments/s, p50, p99 (ms)",
                mode -> spread(mode, o -> format("%.1f, %.1f, %.1f", o.completedPerSecond(),
                        o.acceptedPercentileMs(50), o.acceptedPercentileMs(99))));
        for (String process : PER_PAYMENT) {
            row(text, "CPU per payment (ms), " + process, mode -> spread(mode, o -> format("%.3f",
                    mode.loads().costs().get(o).usage().millisPer(process, o.completed() + o.pending()))));
        }
        row(text, "risk engine per payment (µs): CPU, wall",
                mode -> spread(mode, o -> riskMicros(mode.loads().costs().get(o).risk())));
        row(text, "surge: payments/s, accepted p99 (ms)", mode -> mode.surge() == null
                ? "–"
                : format("%.1f, %.1f", mode.surge().completedPerSecond(), mode.surge().acceptedPercentileMs(99)));
        text.append('\n');
    }

    private void targets(StringBuilder text) {
        PaymentOptions options = context.options();
        text.append("| Target | ").append(modes.stream().map(Mode::name).collect(Collectors.joining(" | ")))
                .append(" |\n|---|").append("---|".repeat(modes.size())).append('\n');
        row(text, "≥ 1,000 payments/s end to end (spread saturation)", mode -> result(format("%.1f/s",
                mode.spreadSaturation()), mode.spreadSaturation() >= THROUGHPUT_TARGET));
        row(text, format("p99 ≤ %.0f ms at %d %% of saturation (spread)", P99_TARGET_MS, options.loadPercent()),
                mode -> spread(mode, o -> result(format("%.1f ms", o.acceptedPercentileMs(99)),
                        o.acceptedPercentileMs(99) <= P99_TARGET_MS)));
        if (!options.skipHot()) {
            row(text, "hot ≥ 80 % of spread (saturation)", mode -> {
                double ratio = mode.hotSaturation() / mode.spreadSaturation();
                return result(format("%.0f %%", ratio * 100), ratio >= HOT_TARGET);
            });
        }
        if (!options.skipSurge()) {
            row(text, format("surge: p99 of accepted ≤ %.0f ms", SURGE_P99_TARGET_MS), mode -> {
                PaymentLoad.Outcomes surge = mode.surge();
                return result(format("%.1f ms", surge.acceptedPercentileMs(99)),
                        surge.acceptedPercentileMs(99) <= SURGE_P99_TARGET_MS);
            });
            row(text, format("surge: the rest only fast 503/429 (p99 ≤ %.0f ms), no other failure",
                    FAST_REFUSAL_MS), mode -> {
                        PaymentLoad.Outcomes surge = mode.surge();
                        boolean fast = surge.shed() == 0 || surge.shedPercentileMs(99) <= FAST_REFUSAL_MS;
                        return result(format("%,d refused (p99 %s), %,d errors", surge.shed(), surge.shed() == 0
                                ? "–"
                                : format("%.1f ms", surge.shedPercentileMs(99)), surge.errors()),
                                fast && surge.errors() == 0);
                    });
        }
        // One check after both modes' loads.
        row(text, "every acknowledged payment recorded exactly once", mode -> result(exactlyOnce.ok() ? "yes" : "no",
                exactlyOnce.ok()));
    }

    private void row(StringBuilder text, String name, Function<Mode, String> cell) {
        text.append("| ").append(name).append(" | ")
                .append(modes.stream().map(cell).collect(Collectors.joining(" | "))).append(" |\n");
    }

    /** What {@code cell} says of the mode's spread load, or "–" when it did not run. */
    private static String spread(Mode mode, Function<PaymentLoad.Outcomes, String> cell) {
        PaymentLoad.Outcomes spread = mode.segment("spread");
        return spread == null ? "–" : cell.apply(spread);
    }

    private static String result(String measured, boolean met) {
        return measured + ", " + (met ? "met" : "**missed**");
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

    private static String cpuPerPayment(PaymentLoad.Cost cost, PaymentLoad.Outcomes outcomes) {
        return String.join(", ", PER_PAYMENT.stream().map(process -> format("%.3f",
                cost.usage().millisPer(process, outcomes.completed() + outcomes.pending()))).toList());
    }

    private static String riskMicros(RiskCost risk) {
        return risk == null
                ? "unknown"
                : format("%.0f, %.0f", risk.cpuMicrosPerPayment(), risk.millisPerPayment() * 1000);
    }

    private static String riskSummary(RiskCost risk) {
        return risk == null ? "unknown (metrics not read)" : risk.summary();
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
