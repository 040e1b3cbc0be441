package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** The chart lints strictly, renders with both values files, and every object it renders is a typed, known object. */
class ChartRenderTest {

    @Test
    void chartPassesStrictLint() {
        LintResult lint = new Helm(Chart.DIRECTORY).lint().strict().call();
        assertFalse(lint.isFailed(), () -> String.join("\n", lint.getMessages()));
        assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
                () -> String.join("\n", lint.getMessages()));
    }

    @Test
    void appVersionIsTheProjectVersion() {
        String chart = Chart.yaml(Chart.DIRECTORY.resolve("Chart.yaml")).get("appVersion").asString();
        assertEquals(System.getProperty("kessai.version"), chart, "Chart.yaml's appVersion follows the Maven version");
    }

    @Test
    void defaultValuesRenderTheWholeInstallation() {
        assertEquals(Set.of("ConfigMap x1", "Deployment x4", "HorizontalPodAutoscaler x4", "NetworkPolicy x5",
                "PodDisruptionBudget x4", "Service x4", "ServiceAccount x4"), kinds(Chart.renderDefault()));
    }

    @Test
    void productionValuesAddIngressAndMonitoring() {
        Set<String> kinds = kinds(Chart.renderProduction());
        assertTrue(kinds.containsAll(Set.of("Ingress x1", "ServiceMonitor x1", "PrometheusRule x1", "ConfigMap x2")),
                kinds::toString);
    }

    @Test
    void everyRenderedObjectIsTypedWithNoUnknownField() {
        for (String rendered : List.of(Chart.renderDefault(), Chart.renderProduction(),
                Chart.render(List.of(),
                        Map.of("payment.keda.enabled", true, "payment.autoscaling.hpa.enabled", false)))) {
            List<String> problems = new ArrayList<>();
            for (HasMetadata object : Chart.objects(rendered)) {
                String id = object.getKind() + " " + object.getMetadata().getName();
                if (Chart.isGeneric(object)) {
                    // KEDA's ScaledObject has no fabric8 model; every other kind must.
                    if (!object.getApiVersion().startsWith("keda.sh/")) {
                        problems.add(id + " has no typed model (unknown apiVersion or kind)");
                    }
                    continue;
                }
                Chart.unknownFields(object).forEach(field -> problems.add(id + ": unknown field " + field));
            }
            assertEquals(List.of(), problems);
        }
    }

    @Test
    void everyObjectCarriesTheRecommendedLabels() {
        for (HasMetadata object : Chart.objects(Chart.renderProduction())) {
            Map<String, String> labels = object.getMetadata().getLabels();
            for (String label : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
                    "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart")) {
                assertTrue(labels.containsKey(label), object.getKind() + " " + object.getMetadata().getName()
                        + " lacks " + label);
            }
        }
    }

    private static Set<String> kinds(String rendered) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        Chart.objects(rendered).forEach(o -> counts.merge(o.getKind(), 1, Integer::sum));
        Set<String> kinds = new TreeSet<>();
        counts.forEach((kind, count) -> kinds.add(kind + " x" + count));
        return kinds;
    }
}
