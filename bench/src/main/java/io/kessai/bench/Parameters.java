package io.kessai.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A benchmark's parameters as given: each comes from an argument {@code --name=value}, else from the system property
 * {@code bench.name}, else from the default its benchmark passes when reading it. Every benchmark reads the names it
 * knows and then calls {@link #rejectUnknown()}, so a misspelt name fails the run instead of being ignored.
 */
final class Parameters {

    /** The services' JVM options: the local stack's heap and GC, but with C2 (no TieredStopAtLevel=1). */
    static final String DEFAULT_JVM_OPTIONS = "-Xms64m -Xmx512m -XX:+UseSerialGC";

    private final Map<String, String> given;
    private final Set<String> known = new HashSet<>();

    private Parameters(Map<String, String> given) {
        this.given = given;
    }

    static Parameters parse(String[] args) {
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
        return new Parameters(given);
    }

    /** The repository the benchmark runs in ({@code -Dkessai.repository}, which the launcher script sets). */
    static Path repository() {
        return Path.of(System.getProperty("kessai.repository", ".")).toAbsolutePath().normalize();
    }

    /** The parameters given explicitly, to repeat them in the rerun command. */
    Map<String, String> overrides() {
        return Map.copyOf(given);
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

    /** The services' JVM options ({@code jvmOptions}, space-separated). */
    List<String> jvmOptions() {
        return List.of(text("jvmOptions", DEFAULT_JVM_OPTIONS).trim().split("\\s+"));
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

    /** The command that repeats a run: {@code command} followed by the explicitly given parameters. */
    static String rerunCommand(String command, Map<String, String> overrides) {
        StringBuilder text = new StringBuilder(command);
        new TreeMap<>(overrides).forEach((name, value) -> text.append(" --").append(name).append('=')
                .append(value.contains(" ") ? "'" + value + "'" : value));
        return text.toString();
    }

    /** Where a report section goes ({@code docs} relative to the repository), or null when it is empty. */
    static Path docsFile(Path repository, String docs) {
        return docs.isBlank() ? null : repository.resolve(docs);
    }
}
