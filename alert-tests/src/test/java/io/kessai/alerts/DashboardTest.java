package io.kessai.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Grafana dashboard (helm/kessai/files/grafana-dashboard.json): it parses, has its data source as a variable,
 * and every panel's query reads only metrics the services export (known-metrics.tsv), so no panel is empty for a
 * name that does not exist.
 */
class DashboardTest {

    private static final Path DASHBOARD = KnownMetrics.FILES.resolve("grafana-dashboard.json");

    @Test
    void theDashboardHasItsDataSourceAsAVariable() throws IOException {
        JsonNode dashboard = dashboard();
        assertTrue(dashboard.path("schemaVersion").asInt() >= 39, "a recent schemaVersion");
        assertFalse(dashboard.path("uid").asText().isBlank(), "a fixed uid, so links survive a re-import");
        JsonNode datasource = null;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("name").asText().equals("datasource")) {
                datasource = variable;
            }
        }
        assertTrue(datasource != null, "a variable named datasource");
        assertEquals("datasource", datasource.path("type").asText());
        assertEquals("prometheus", datasource.path("query").asText());
    }

    @Test
    void everyPanelQueriesPrometheusThroughTheVariable() throws IOException {
        List<JsonNode> panels = panels();
        assertTrue(panels.size() >= 10, "panels for the business and the reliability metrics");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertTrue(ids.add(panel.path("id").asInt()), title + ": panel ids are unique");
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("targets").isEmpty(), title + " has no query");
            for (JsonNode target : panel.path("targets")) {
                assertEquals("${datasource}", target.path("datasource").path("uid").asText(), title);
                assertFalse(target.path("expr").asText().isBlank(), title + " has an empty query");
                assertTrue(target.path("expr").asText().contains("namespace=~\"$namespace\""),
                        title + ": every query follows the namespace variable");
            }
        }
    }

    @Test
    void everyQueryReadsOnlyMetricsTheServicesExport() throws IOException {
        Map<String, KnownMetrics.Source> known = KnownMetrics.load();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                Set<String> read = KnownMetrics.metricsIn(target.path("expr").asText());
                assertFalse(read.isEmpty(), panel.path("title").asText() + " reads no metric");
                for (String metric : read) {
                    assertTrue(known.containsKey(metric), panel.path("title").asText() + " reads " + metric
                            + ", which is not in alert-tests/src/test/resources/known-metrics.tsv");
                }
            }
        }
    }

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every panel that has queries, also those inside rows. */
    private static List<JsonNode> panels() throws IOException {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            if (!panel.path("type").asText().equals("row")) {
                panels.add(panel);
            }
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }
}
