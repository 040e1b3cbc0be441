package io.kessai.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The ledger benchmark's parameters (see bench/README.md); read by {@link Parameters}. */
record LedgerOptions(Path repository, int concurrency, int warmupSeconds, int measureSeconds, int customers,
        int merchants, int merchantSubAccounts, int setupConcurrency, long fundingYen, int pgbenchScale,
        int pgbenchClients,
        int pgbenchThreads, int pgbenchSeconds, int pacedPercent, int pacedSenders, boolean skipLedger,
        boolean skipPgbench, String synchronousCommit,
        List<String> jvmOptions,
        String docs, Map<String, String> overrides) {

    static LedgerOptions parse(String[] args) {
        Parameters values = Parameters.parse(args);
        int concurrency = values.integer("concurrency", 16);
        LedgerOptions options = new LedgerOptions(
                Parameters.repository(),
                concurrency,
                values.integer("warmupSeconds", 40),
                values.integer("measureSeconds", 30),
                values.integer("customers", 2_000),
                values.integer("merchants", 1_000),
                values.integer("merchantSubAccounts", 16),
                values.integer("setupConcurrency", 8),
                values.integer("fundingYen", 500_000),
                values.integer("pgbenchScale", 10),
                values.integer("pgbenchClients", concurrency),
                values.integer("pgbenchThreads", 2),
                values.integer("pgbenchSeconds", 30),
                values.integer("pacedPercent", 70),
                values.integer("pacedSenders", 64),
                values.bool("skipLedger"),
                values.bool("skipPgbench"),
                values.choice("synchronousCommit", "on", PostgresServer.SYNCHRONOUS_COMMIT_VALUES),
                values.jvmOptions(),
                values.text("docs", "docs/benchmarks.md"),
                values.overrides());
        values.rejectUnknown();
        return options;
    }

    /** Where the report section goes, or null when {@code --docs=} asked for none. */
    Path docsFile() {
        return Parameters.docsFile(repository, docs);
    }

    /** The command that repeats this run with the same parameters. */
    String rerunCommand() {
        return Parameters.rerunCommand("./kessai bench", overrides);
    }
}
