package io.kessai.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The alerting rules (helm/kessai/files/prometheus-rules.yaml): promtool's own check and the unit tests in
 * prometheus-rules.test.yaml when promtool is installed (Debian's {@code prometheus} package; skipped, and said so,
 * when it is not); always, that every alert is labelled and annotated for the on-call, reads only metrics the
 * services export, and links a runbook section that exists in docs/operations.md.
 */
class AlertRulesTest {

    private static final Path RULES = KnownMetrics.FILES.resolve("prometheus-rules.yaml");
    private static final Path RULE_TESTS = KnownMetrics.FILES.resolve("prometheus-rules.test.yaml");
    private static final String RUNBOOKS = "https://kessai.io/docs/operations.md#";
    private static final Set<String> SEVERITIES = Set.of("critical", "warning");
    /** The skip is said once, not once per test. */
    private static boolean skipSaid;

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        String out = promtool("check", "rules", RULES.toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        String out = promtool("test", "rules", RULE_TESTS.toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyAlertHasASeveritySummaryDescriptionAndRunbook() throws IOException {
        List<JsonNode> alerts = alerts();
        assertFalse(alerts.isEmpty(), "no alert in " + RULES);
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertTrue(SEVERITIES.contains(alert.path("labels").path("severity").asText()),
                    name + ": severity must be one of " + SEVERITIES);
            for (String annotation : List.of("summary", "description", "runbook_url")) {
                assertFalse(alert.path("annotations").path(annotation).asText().isBlank(),
                        name + ": annotation " + annotation + " is missing");
            }
            assertTrue(alert.path("annotations").path("runbook_url").asText().startsWith(RUNBOOKS),
                    name + ": runbook_url must point into " + RUNBOOKS);
        }
    }

    @Test
    void everyRunbookLinkHasItsSectionInTheOperationsGuide() throws IOException {
        Set<String> anchors = anchors(Files.readString(KnownMetrics.ROOT.resolve("docs/operations.md")));
        for (JsonNode alert : alerts()) {
            String anchor = alert.path("annotations").path("runbook_url").asText().substring(RUNBOOKS.length());
            assertTrue(anchors.contains(anchor),
                    alert.path("alert").asText() + ": docs/operations.md has no heading for #" + anchor);
        }
    }

    @Test
    void everyAlertReadsOnlyMetricsTheServicesExport() throws IOException {
        Map<String, KnownMetrics.Source> known = KnownMetrics.load();
        for (JsonNode alert : alerts()) {
            Set<String> read = KnownMetrics.metricsIn(alert.path("expr").asText());
            assertFalse(read.isEmpty(), alert.path("alert").asText() + " reads no metric");
            for (String metric : read) {
                assertTrue(known.containsKey(metric), alert.path("alert").asText() + " reads " + metric
                        + ", which is not in alert-tests/src/test/resources/known-metrics.tsv");
            }
        }
    }

    @Test
    void everyKessaiMetricIsRegisteredWhereTheListSays() throws IOException {
        for (var entry : KnownMetrics.load().entrySet()) {
            if (entry.getKey().startsWith("kessai_")) {
                assertTrue(KnownMetrics.definedAt(entry.getKey(), entry.getValue()) > 0);
            }
        }
    }

    @Test
    void everyAlertIsTestedByPromtool() throws IOException {
        Set<String> tested = new TreeSet<>();
        JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(RULE_TESTS.toFile());
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode case_ : test.path("alert_rule_test")) {
                tested.add(
                        case_.path("alertname").asText() + (case_.path("exp_alerts").isEmpty() ? "/silent" : "/fires"));
            }
        }
        for (JsonNode alert : alerts()) {
            String name = alert.path("alert").asText();
            assertTrue(tested.contains(name + "/fires"), name + " is never shown firing in " + RULE_TESTS);
            assertTrue(tested.contains(name + "/silent"), name + " is never shown silent in " + RULE_TESTS);
        }
    }

    @Test
    void theMetricNameParserFindsMetricsNotFunctionsOrLabels() {
        assertEquals(Set.of("a_total", "b", "up"),
                KnownMetrics.metricsIn("sum by (job, le) (rate(a_total{x=\"y\", z=~\"b.*\"}[5m])) / on(job) b "
                        + "and up offset 15m > 0.5 unless max without (pod) (b)"));
        assertEquals(Set.of("http_server_requests_seconds_count"), KnownMetrics
                .metricsIn("sum(rate(http_server_requests_seconds_count{job=~\"$job\"}[$__rate_interval]))"));
    }

    static List<JsonNode> alerts() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    alerts.add(rule);
                }
            }
        }
        return alerts;
    }

    /** GitHub's heading anchors: lower case, punctuation dropped except - and _, spaces to -. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        boolean fenced = false;
        for (String line : markdown.lines().toList()) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            }
            if (!fenced && line.matches("#{1,6} .*")) {
                String text = line.replaceFirst("#{1,6} ", "").trim();
                text = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase()
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-');
                anchors.add(text);
            }
        }
        return anchors;
    }

    /** Runs promtool, or skips the test with one line saying what to install. */
    private static String promtool(String... args) throws Exception {
        Path promtool = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
        if (promtool == null && !skipSaid) {
            skipSaid = true;
            System.out.println("Prometheus rule tests skipped: promtool is not on PATH (apt-get install prometheus)");
        }
        assumeTrue(promtool != null, "promtool is not on PATH: apt-get install prometheus");
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(KnownMetrics.FILES.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("promtool " + String.join(" ", args) + " did not finish in 60 s");
        }
        assertEquals(0, process.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }
}
