package io.kessai.alerts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metrics the rules and the dashboard may read ({@code known-metrics.tsv}), and the names a PromQL query reads. */
final class KnownMetrics {

    /** The repository's root: the tests run in {@code alert-tests/}. */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path FILES = ROOT.resolve("helm/kessai/files");

    /** What a known metric is: its Micrometer name ({@code -} for a framework's) and where it is defined. */
    record Source(String micrometerName, String where) {
    }

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "inf", "nan");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^\\]]*]");
    private static final Pattern GROUPINGS = Pattern
            .compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(\\s*\\()?");

    private KnownMetrics() {
    }

    static Map<String, Source> load() throws IOException {
        Map<String, Source> known = new LinkedHashMap<>();
        try (var in = KnownMetrics.class.getResourceAsStream("/known-metrics.tsv")) {
            for (String line : new String(in.readAllBytes()).lines().toList()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\t");
                if (parts.length != 3) {
                    throw new IllegalStateException("known-metrics.tsv: not three tab-separated columns: " + line);
                }
                known.put(parts[0], new Source(parts[1], parts[2]));
            }
        }
        return known;
    }

    /** The metric names {@code promql} reads: identifiers that are neither functions, keywords nor label names. */
    static Set<String> metricsIn(String promql) {
        // Grafana's variables ($__rate_interval, ${datasource}) are neither.
        String query = promql.replaceAll("\\$\\{?\\w+}?", "5m");
        query = STRINGS.matcher(query).replaceAll("\"\"");
        query = MATCHERS.matcher(query).replaceAll(" ");
        query = RANGES.matcher(query).replaceAll(" ");
        query = GROUPINGS.matcher(query).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(query);
        while (m.find()) {
            String name = m.group(1);
            boolean function = m.group(2) != null;
            if (!function && !KEYWORDS.contains(name.toLowerCase()) && !name.matches("\\d.*")) {
                names.add(name);
            }
        }
        return names;
    }

    /** Checks that a Kessai metric's file registers its Micrometer name; the line it does so on. */
    static int definedAt(String metric, Source source) throws IOException {
        Path file = ROOT.resolve(source.where());
        if (!Files.exists(file)) {
            throw new AssertionError(metric + ": " + source.where() + " does not exist");
        }
        var lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"" + source.micrometerName() + "\"")) {
                return i + 1;
            }
        }
        throw new AssertionError(metric + ": " + source.where() + " does not register \"" + source.micrometerName()
                + "\"; was the metric renamed?");
    }
}
