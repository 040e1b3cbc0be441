package io.kessai.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The benchmark's parameters: each comes from an argument {@code --name=value}, else from the system property
 * {@code bench.name}, else from its default (see bench/README.md).
 */
record BenchmarkOptions(Path repository, int concurrency, int warmupSeconds, int measureSeconds, int customers,
        int merchants, int merchantSubAccounts, int setupConcurrency, long fundingYen, int pgbenchScale,
        int pgbenchClients,
        int pgbenchThreads, int pgbenchSeconds, boolean skipLedger, boolean skipPgbench, String synchronousCommit,
        List<String> jvmOptions,
        String docs, Map<String, String> overrides) {

    /** The services' JVM options: the local stack's heap and GC, but with C2 (no TieredStopAtLevel=1). */
    static final String DEFAULT_JVM_OPTIONS = "-Xms64m -Xmx512m -XX:+UseSerialGC";

    static BenchmarkOptions parse(String[] args) {
        Map<String, String> given = new TreeMap<>();
        for (String property : System.getProperties().stringPropertyNames()) {
            if (property.startsWith("bench.")) {
                given.put(property.substring("bench.".length()), System.getProperty(property));
            }
        }
        for (String arg : args) {
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new BenchmarkException(
                        "arguments look like --name=value, not '" + arg + "' (see bench/README.md)");
            }
            int equals = arg.indexOf('=');
            if (equals < 0) {
                given.put(arg.substring(2), "true"); // a switch such as --skipLedger
            } else {
                given.put(arg.substring(2, equals), arg.substring(equals + 1));
            }
        }
        Values values = new Values(given);
        int concurrency = values.integer("concurrency", 16);
        BenchmarkOptions options = new BenchmarkOptions(
                Path.of(System.getProperty("kessai.repository", ".")).toAbsolutePath().normalize(),
                concurrency,
                values.integer("warmupSeconds", 20),
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
                values.bool("skipLedger"),
                values.bool("skipPgbench"),
                values.choice("synchronousCommit", "on", PostgresServer.SYNCHRONOUS_COMMIT_VALUES),
                List.of(values.text("jvmOptions", DEFAULT_JVM_OPTIONS).trim().split("\\s+")),
                values.text("docs", "docs/benchmarks.md"),
                given);
        values.rejectUnknown();
        return options;
    }

    /** Where the report section goes, or null when {@code --docs=} asked for none. */
    Path docsFile() {
        return docs.isBlank() ? null : repository.resolve(docs);
    }

    /** The command that repeats this run with the same parameters. */
    String rerunCommand() {
        StringBuilder command = new StringBuilder("./kessai bench");
        overrides.forEach((name, value) -> command.append(" --").append(name).append('=')
                .append(value.contains(" ") ? "'" + value + "'" : value));
        return command.toString();
    }

    /** Reads the given values by name and remembers which names exist, so a misspelt one fails the run. */
    private static final class Values {

        private final Map<String, String> given;
        private final Set<String> known = new HashSet<>();

        Values(Map<String, String> given) {
            this.given = given;
        }

        String text(String name, String fallback) {
            known.add(name);
            return given.getOrDefault(name, fallback);
        }

        int integer(String name, int fallback) {
            String value = text(name, String.valueOf(fallback));
            try {
                int number = Integer.parseInt(value.trim());
                if (number < 1) {
                    throw new BenchmarkException(name + " must be at least 1, not " + number);
                }
                return number;
            } catch (NumberFormatException e) {
                throw new BenchmarkException(name + " must be a whole number, not '" + value + "'");
            }
        }

        String choice(String name, String fallback, List<String> allowed) {
            String value = text(name, fallback).trim();
            if (!allowed.contains(value)) {
                throw new BenchmarkException(name + " must be one of " + String.join(", ", allowed) + ", not '" + value
                        + "'");
            }
            return value;
        }

        boolean bool(String name) {
            String value = text(name, "false").trim();
            // "--skipLedger=" and "-Dbench.skipLedger" read as a switch that is on.
            return value.isEmpty() || Boolean.parseBoolean(value);
        }

        void rejectUnknown() {
            Set<String> unknown = new HashSet<>(given.keySet());
            unknown.removeAll(known);
            if (!unknown.isEmpty()) {
                String[] names = unknown.toArray(String[]::new);
                Arrays.sort(names);
                throw new BenchmarkException("unknown parameter(s) " + String.join(", ", names)
                        + "; known: " + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }
}
