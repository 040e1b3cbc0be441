package io.kessai.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The drill's parameters (docs/reliability.md): which faults, in which order, how long each lasts, and the workload's
 * rate. {@code --short} is the test suite's version: a small workload and short faults.
 */
record DrillOptions(Path repository, int replicas, double rate, int surgeFactor, int customers, int merchants,
        List<String> faults, boolean shortened, Duration baseline, Duration surge, Duration walletSlow,
        Duration notificationDown, Duration authDown, Duration recoveryBound, List<String> jvmOptions, String docs,
        Map<String, String> overrides) {

    /** Every fault the drill knows, in the order it runs them (the failover last: it leaves no standby). */
    static final List<String> ALL_FAULTS = List.of("surge", "kill", "rolling-restart", "wallet-slow",
            "notification-down", "auth-down", "postgres-restart", "failover");
    /** The suite's: a regression in reconciliation, idempotency or draining fails CI within two minutes. */
    static final List<String> SHORT_FAULTS = List.of("kill", "postgres-restart");

    static DrillOptions parse(String[] args) {
        Parameters values = Parameters.parse(args);
        boolean shortened = values.bool("short");
        List<String> faults = List.of(values.text("faults", String.join(",", shortened
                ? SHORT_FAULTS
                : ALL_FAULTS)).split(","));
        List<String> unknown = new ArrayList<>(faults);
        unknown.removeAll(ALL_FAULTS);
        if (!unknown.isEmpty()) {
            throw new BenchmarkException("unknown fault(s) " + unknown + "; known: " + ALL_FAULTS);
        }
        DrillOptions options = new DrillOptions(
                Parameters.repository(),
                values.integer("replicas", 2),
                values.integer("rate", shortened ? 8 : 20),
                values.integer("surgeFactor", 10),
                values.integer("customers", shortened ? 20 : 100),
                values.integer("merchants", shortened ? 4 : 20),
                ALL_FAULTS.stream().filter(faults::contains).toList(),
                shortened,
                Duration.ofSeconds(values.integer("baselineSeconds", shortened ? 5 : 20)),
                Duration.ofSeconds(values.integer("surgeSeconds", shortened ? 10 : 60)),
                Duration.ofSeconds(values.integer("walletSlowSeconds", shortened ? 10 : 60)),
                Duration.ofSeconds(values.integer("notificationDownSeconds", shortened ? 15 : 300)),
                Duration.ofSeconds(values.integer("authDownSeconds", shortened ? 10 : 60)),
                Duration.ofSeconds(values.integer("recoverySeconds", 120)),
                values.jvmOptions(),
                values.text("docs", shortened ? "" : "docs/reliability.md"),
                values.overrides());
        values.rejectUnknown();
        if (options.replicas() < 2) {
            throw new BenchmarkException("the drill kills and restarts replicas: --replicas must be 2 or more");
        }
        return options;
    }

    /** The suite's options: {@code --short} with the repository given. */
    static DrillOptions shortRun(Path repository, String... more) {
        String previous = System.getProperty("kessai.repository");
        System.setProperty("kessai.repository", repository.toString());
        try {
            List<String> args = new ArrayList<>(List.of("--short", "--docs="));
            args.addAll(Arrays.asList(more));
            return parse(args.toArray(String[]::new));
        } finally {
            if (previous == null) {
                System.clearProperty("kessai.repository");
            } else {
                System.setProperty("kessai.repository", previous);
            }
        }
    }

    Path docsFile() {
        return Parameters.docsFile(repository, docs);
    }

    String rerunCommand() {
        return Parameters.rerunCommand("./kessai drill", overrides);
    }
}
