package io.kessai.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The payments benchmark's parameters (see bench/README.md); read by {@link Parameters}. */
record PaymentOptions(Path repository, int customers, int cpmCustomers, int owners, int merchants, long fundingYen,
        int setupConcurrency, int warmupRate, int warmupSeconds, int stepStartRate, int stepRate, int stepMaxRate,
        int stepSeconds, int stepP99LimitMs, int pauseSeconds, int loadPercent, int measureSeconds, int surgeFactor,
        int surgeSeconds,
        int connections, int pgbenchScale, int pgbenchClients, int pgbenchThreads, int pgbenchSeconds,
        boolean skipPgbench, boolean skipHot, boolean skipSurge, boolean skipMpm, boolean skipCpm,
        String synchronousCommit, List<String> jvmOptions,
        String docs, Map<String, String> overrides) {

    static PaymentOptions parse(String[] args) {
        Parameters values = Parameters.parse(args);
        PaymentOptions options = new PaymentOptions(
                Parameters.repository(),
                values.integer("customers", 200),
                values.integer("cpmCustomers", 1_000),
                values.integer("owners", 50),
                values.integer("merchants", 1_000),
                values.integer("fundingYen", 500_000),
                values.integer("setupConcurrency", 8),
                values.integer("warmupRate", 150),
                values.integer("warmupSeconds", 40),
                values.integer("stepStartRate", 200),
                values.integer("stepRate", 200),
                values.integer("stepMaxRate", 3_000),
                values.integer("stepSeconds", 15),
                values.integer("stepP99LimitMs", 250),
                values.integer("pauseSeconds", 5),
                values.integer("loadPercent", 70),
                values.integer("measureSeconds", 30),
                values.integer("surgeFactor", 10),
                values.integer("surgeSeconds", 60),
                values.integer("connections", 128),
                values.integer("pgbenchScale", 10),
                values.integer("pgbenchClients", 16),
                values.integer("pgbenchThreads", 2),
                values.integer("pgbenchSeconds", 30),
                values.bool("skipPgbench"),
                values.bool("skipHot"),
                values.bool("skipSurge"),
                values.bool("skipMpm"),
                values.bool("skipCpm"),
                values.choice("synchronousCommit", "on", PostgresServer.SYNCHRONOUS_COMMIT_VALUES),
                values.jvmOptions(),
                values.text("docs", "docs/benchmarks.md"),
                values.overrides());
        values.rejectUnknown();
        if (options.merchants() < 1 || options.owners() > options.merchants()) {
            throw new BenchmarkException("owners must be at most merchants (an owner holds one or more merchants)");
        }
        if (options.skipMpm() && options.skipCpm()) {
            throw new BenchmarkException("skipMpm and skipCpm together leave nothing to measure");
        }
        return options;
    }

    /** Where the report section goes, or null when {@code --docs=} asked for none. */
    Path docsFile() {
        return Parameters.docsFile(repository, docs);
    }

    /** The command that repeats this run with the same parameters. */
    String rerunCommand() {
        return Parameters.rerunCommand("./kessai bench payments", overrides);
    }
}
