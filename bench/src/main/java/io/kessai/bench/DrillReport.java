package io.kessai.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What the drill found, for the console and for its section of docs/reliability.md. */
record DrillReport(DrillOptions options, Machine machine, Instant startedAt, Instant endedAt, int replicas,
        List<Drill.FaultResult> results, long notStarted, long crashed) {

    static final DocsSection SECTION = new DocsSection("<!-- drill:start -->", "<!-- drill:end -->");

    boolean ok() {
        return crashed == 0 && results.stream().allMatch(Drill.FaultResult::ok);
    }

    String console() {
        return "\n" + markdown();
    }

    void writeInto(Path docs) throws IOException {
        SECTION.writeInto(docs, markdown());
    }

    /** Exits the drill non-zero, naming what broke, when any invariant or target failed. */
    void failIfBroken() {
        if (!ok()) {
            String broken = results.stream().filter(result -> !result.ok())
                    .map(result -> result.fault().name()).collect(Collectors.joining(", "));
            throw new BenchmarkException("the drill found broken invariants or missed targets in: " + broken
                    + (crashed > 0 ? "; " + crashed + " operations crashed in the drill itself" : ""));
        }
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "### Run of %s (%s)%n%n",
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(startedAt),
                ok() ? "every invariant PASS" : "FAILED"));
        out.append(String.format(Locale.ROOT, "- Command: `%s`; %d min %d s; commit %s%n", options.rerunCommand(),
                Duration.between(startedAt, endedAt).toMinutes(), Duration.between(startedAt, endedAt).toSecondsPart(),
                machine.commit()));
        out.append(String.format(Locale.ROOT, "- Machine: %d cores (%s, %s), JDK %s%n", machine.cores(), machine.cpu(),
                machine.architecture(), machine.jdk()));
        out.append(String.format(Locale.ROOT, "- Stack: %d replicas of each service behind HAProxy; PostgreSQL with a"
                + " synchronous standby; workload %.0f operations/s (%,d customers, %,d merchants)%s%n", replicas,
                options.rate(), options.customers(), options.merchants(), notStarted > 0
                        ? String.format(Locale.ROOT, "; %,d operations not started (4,000 in flight)", notStarted)
                        : ""));
        out.append("\n| fault | sent | acknowledged | refused (by status) | failed otherwise | given up | unavailable"
                + " | refusal p99 / max | PENDING settled | /v1/status seen | invariants |\n");
        out.append("|---|---:|---:|---|---:|---:|---:|---|---|---|---|\n");
        for (Drill.FaultResult result : results) {
            DrillClient.Window window = result.window();
            DrillInvariants.Result invariants = result.invariants();
            out.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %s | %,d | %,d | %.1f s | %s | %s | %s | %s |%n",
                    result.fault().runbook() == null
                            ? result.fault().name()
                            : "[" + result.fault().name() + "](operations.md#" + result.fault().runbook() + ")",
                    window.sent(), window.acknowledged(), refused(window.refusedByStatus()), window.failedOtherwise(),
                    window.gaveUp(), window.unavailableSeconds(), refusalLatency(window), invariants.pendingSummary(),
                    statuses(result.statusesSeen()), result.ok() ? "PASS" : "**FAIL**"));
        }
        out.append("\nPer fault (each window runs from the fault's start until every replica takes traffic again and"
                + " `/v1/status` says ok; invariants are checked on everything acknowledged since the drill began):\n\n");
        for (Drill.FaultResult result : results) {
            out.append(String.format(Locale.ROOT, "- **%s**: %s. Injected and undone in %.1f s, recovered %.1f s"
                    + " later.%n", result.fault().name(), result.fault().description(), result.injectSeconds(),
                    result.recoverySeconds()));
            for (DrillInvariants.Invariant invariant : result.invariants().invariants()) {
                out.append(String.format(Locale.ROOT, "  - %s %s: %s%n", invariant.pass() ? "PASS" : "**FAIL**",
                        invariant.name(), invariant.detail()));
            }
            for (String problem : result.problems()) {
                out.append(String.format(Locale.ROOT, "  - **FAIL** %s%n", problem));
            }
        }
        return out.toString();
    }

    private static String refusalLatency(DrillClient.Window window) {
        return window.refused() == 0
                ? "–"
                : String.format(Locale.ROOT, "%.0f / %.0f ms", window.refuseP99Ms(),
                        window.refuseMaxMs());
    }

    private static String refused(Map<Integer, Long> byStatus) {
        if (byStatus.isEmpty()) {
            return "0";
        }
        return byStatus.entrySet().stream().map(entry -> String.format(Locale.ROOT, "%d: %,d", entry.getKey(),
                entry.getValue())).collect(Collectors.joining(", "));
    }

    private static String statuses(Map<String, Long> seen) {
        return seen.keySet().stream().collect(Collectors.joining(", "));
    }
}
