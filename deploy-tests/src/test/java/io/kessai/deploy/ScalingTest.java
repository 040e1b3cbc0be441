package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import tools.jackson.databind.JsonNode;

/** Every service has an HPA that follows its values and a PDB over its pods; KEDA is the documented alternative. */
class ScalingTest {

    @Test
    void everyServiceHasAnHpaWithTheTargetsOfTheDefaultValues() {
        assertHpasFollow(Chart.renderDefault(), Chart.defaultValues());
    }

    @Test
    void everyServiceHasAnHpaWithTheTargetsOfTheProductionValues() {
        assertHpasFollow(Chart.renderProduction(), Chart.yaml(Chart.PRODUCTION_VALUES));
    }

    @Test
    void anHpaFollowsAChangedTarget() {
        var hpa = Chart.object(Chart.render(List.of(), Map.of("payment.autoscaling.hpa.targetCPU", 55,
                "payment.autoscaling.hpa.maxReplicas", 9)), HorizontalPodAutoscaler.class, Chart.nameOf("payment"));
        assertEquals(55, cpuTarget(hpa));
        assertEquals(9, hpa.getSpec().getMaxReplicas());
    }

    @Test
    void theHpaScalesUpFastAndDownSlowly() {
        for (var hpa : Chart.objects(Chart.renderDefault(), HorizontalPodAutoscaler.class)) {
            var behavior = hpa.getSpec().getBehavior();
            assertNotNull(behavior, hpa.getMetadata().getName());
            assertEquals(0, behavior.getScaleUp().getStabilizationWindowSeconds());
            assertEquals(300, behavior.getScaleDown().getStabilizationWindowSeconds());
        }
    }

    @Test
    void everyServiceHasAPodDisruptionBudgetOverItsPods() {
        for (String rendered : List.of(Chart.renderDefault(), Chart.renderProduction())) {
            for (String key : Chart.SERVICES.keySet()) {
                var pdb = Chart.object(rendered, PodDisruptionBudget.class, Chart.nameOf(key));
                var deployment = Chart.object(rendered, Deployment.class, Chart.nameOf(key));
                assertEquals(deployment.getSpec().getSelector().getMatchLabels(),
                        pdb.getSpec().getSelector().getMatchLabels());
                assertTrue(pdb.getSpec().getMinAvailable() != null ^ pdb.getSpec().getMaxUnavailable() != null,
                        "exactly one of minAvailable and maxUnavailable");
            }
        }
        var wallet = Chart.object(Chart.renderProduction(), PodDisruptionBudget.class, Chart.nameOf("wallet"));
        assertEquals(2, wallet.getSpec().getMinAvailable().getIntVal());
        var auth = Chart.object(Chart.renderDefault(), PodDisruptionBudget.class, Chart.nameOf("auth"));
        assertEquals(1, auth.getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void pdbCreateFalseLeavesItOut() {
        var rendered = Chart.render(List.of(), Map.of("notification.pdb.create", false));
        assertEquals(3, Chart.objects(rendered, PodDisruptionBudget.class).size());
    }

    @Test
    void kedaScalesPaymentServiceOnInFlightRequestsInsteadOfTheHpa() {
        String rendered = Chart.render(List.of(), Map.of("payment.keda.enabled", true,
                "payment.autoscaling.hpa.enabled", false));
        assertTrue(Chart.objects(rendered, HorizontalPodAutoscaler.class).stream()
                .noneMatch(h -> h.getMetadata().getName().equals(Chart.nameOf("payment"))));
        HasMetadata scaled = Chart.objects(rendered).stream().filter(o -> o.getKind().equals("ScaledObject"))
                .findFirst().orElseThrow();
        String yaml = Chart.documents(rendered).stream().filter(d -> d.contains("kind: ScaledObject")).findFirst()
                .orElseThrow();
        assertEquals(Chart.nameOf("payment"), scaled.getMetadata().getName());
        assertTrue(yaml.contains("type: prometheus") && yaml.contains("kessai_payment_requests_in_flight"), yaml);
        var failure = assertThrows(IllegalStateException.class,
                () -> Chart.render(List.of(), Map.of("payment.keda.enabled", true)));
        assertTrue(failure.getMessage().contains("KEDA creates its own HPA"), failure.getMessage());
    }

    private static void assertHpasFollow(String rendered, JsonNode values) {
        JsonNode defaults = Chart.defaultValues();
        for (String key : Chart.SERVICES.keySet()) {
            var hpa = Chart.object(rendered, HorizontalPodAutoscaler.class, Chart.nameOf(key));
            assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
            assertEquals(Chart.nameOf(key), hpa.getSpec().getScaleTargetRef().getName());
            assertEquals(value(values, defaults, key, "targetCPU"), cpuTarget(hpa), key + " CPU target");
            assertEquals(value(values, defaults, key, "minReplicas"), hpa.getSpec().getMinReplicas(), key);
            assertEquals(value(values, defaults, key, "maxReplicas"), hpa.getSpec().getMaxReplicas(), key);
        }
    }

    private static int value(JsonNode values, JsonNode defaults, String key, String field) {
        JsonNode own = values.path(key).path("autoscaling").path("hpa").path(field);
        return (own.isMissingNode() ? defaults.get(key).get("autoscaling").get("hpa").get(field) : own).asInt();
    }

    private static int cpuTarget(HorizontalPodAutoscaler hpa) {
        return hpa.getSpec().getMetrics().stream().map(MetricSpec::getResource)
                .filter(r -> r != null && r.getName().equals("cpu")).findFirst().orElseThrow().getTarget()
                .getAverageUtilization();
    }
}
