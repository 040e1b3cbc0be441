package io.kessai.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The auth benchmark's parameters (see bench/README.md); read by {@link Parameters}. */
record AuthOptions(Path repository, int concurrency, int burstConcurrency, int verifyConcurrency, int warmupSeconds,
        int measureSeconds, int burstSeconds, int users, int tokens, int probeMillis, int hashes,
        String synchronousCommit, boolean skipLogins, boolean skipTokens, List<String> jvmOptions, String docs,
        Map<String, String> overrides) {

    static AuthOptions parse(String[] args) {
        Parameters values = Parameters.parse(args);
        AuthOptions options = new AuthOptions(
                Parameters.repository(),
                values.integer("concurrency", 8),
                values.integer("burstConcurrency", 128),
                values.integer("verifyConcurrency", 16),
                values.integer("warmupSeconds", 15),
                values.integer("measureSeconds", 30),
                values.integer("burstSeconds", 15),
                values.integer("users", 2_000),
                values.integer("tokens", 15_000),
                values.integer("probeMillis", 20),
                values.integer("hashes", 20),
                values.choice("synchronousCommit", "on", PostgresServer.SYNCHRONOUS_COMMIT_VALUES),
                values.bool("skipLogins"),
                values.bool("skipTokens"),
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
        return Parameters.rerunCommand("./kessai bench auth", overrides);
    }
}
