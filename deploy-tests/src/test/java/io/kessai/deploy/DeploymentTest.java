package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** Every Deployment is probed for a cold JVM, sized, hardened, spread, and stops without dropping a request. */
class DeploymentTest {

    /** Least time a cold start may take before the startup probe restarts the container. */
    private static final int COLD_START_BUDGET_SECONDS = 120;

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void everyServiceHasOneDeployment(String values) {
        assertEquals(Set.copyOf(Chart.SERVICES.keySet().stream().map(Chart::nameOf).toList()),
                deployments(values).stream().map(d -> d.getMetadata().getName()).collect(Collectors.toSet()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void probesUseQuarkusHealthAndAllowAColdJvmStart(String values) {
        for (Deployment deployment : deployments(values)) {
            Container container = container(deployment);
            String name = deployment.getMetadata().getName();
            assertProbe(name, "startup", container.getStartupProbe(), "/q/health/started");
            assertProbe(name, "liveness", container.getLivenessProbe(), "/q/health/live");
            assertProbe(name, "readiness", container.getReadinessProbe(), "/q/health/ready");
            Probe startup = container.getStartupProbe();
            assertTrue(startup.getPeriodSeconds() * startup.getFailureThreshold() >= COLD_START_BUDGET_SECONDS,
                    name + ": the startup probe gives a cold start less than " + COLD_START_BUDGET_SECONDS + " s");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void containersRequestCpuAndMemoryAndLimitMemory(String values) {
        for (Deployment deployment : deployments(values)) {
            var resources = container(deployment).getResources();
            String name = deployment.getMetadata().getName();
            assertNotNull(resources.getRequests().get("cpu"), name + " requests no CPU: a CPU autoscaler cannot work");
            assertNotNull(resources.getRequests().get("memory"), name + " requests no memory");
            Quantity limit = resources.getLimits().get("memory");
            assertNotNull(limit, name + " has no memory limit");
            assertTrue(
                    limit.getNumericalAmount()
                            .compareTo(resources.getRequests().get("memory").getNumericalAmount()) >= 0,
                    name + ": memory limit below its request");
        }
    }

    @Test
    void defaultResourcesAreTheValues() {
        var values = Chart.defaultValues();
        for (String key : Chart.SERVICES.keySet()) {
            var resources = container(Chart.object(Chart.renderDefault(), Deployment.class, Chart.nameOf(key)))
                    .getResources();
            var expected = values.get(key).get("resources");
            assertEquals(new Quantity(expected.get("requests").get("cpu").asString()),
                    resources.getRequests().get("cpu"));
            assertEquals(new Quantity(expected.get("requests").get("memory").asString()),
                    resources.getRequests().get("memory"));
            assertEquals(new Quantity(expected.get("limits").get("memory").asString()),
                    resources.getLimits().get("memory"));
            assertNull(resources.getLimits().get("cpu"), "no CPU limit by default (README.md says why)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void podsAndContainersAreHardened(String values) {
        for (Deployment deployment : deployments(values)) {
            String name = deployment.getMetadata().getName();
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), name);
            assertEquals(185L, pod.getSecurityContext().getRunAsUser(), name);
            assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), name);
            assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), name + " mounts an API token");
            assertEquals(Chart.nameOf(key(deployment)), pod.getServiceAccountName(), name);
            SecurityContext container = container(deployment).getSecurityContext();
            assertEquals(Boolean.TRUE, container.getRunAsNonRoot(), name);
            assertEquals(185L, container.getRunAsUser(), name);
            assertEquals(Boolean.FALSE, container.getAllowPrivilegeEscalation(), name);
            assertEquals(Boolean.TRUE, container.getReadOnlyRootFilesystem(), name);
            assertEquals(Boolean.FALSE, container.getPrivileged(), name);
            assertEquals(List.of("ALL"), container.getCapabilities().getDrop(), name);
            assertTrue(container.getCapabilities().getAdd() == null || container.getCapabilities().getAdd().isEmpty(),
                    name + " adds capabilities");
            assertEquals("RuntimeDefault", container.getSeccompProfile().getType(), name);
            // The one writable path: /tmp, an emptyDir.
            VolumeMount tmp = container(deployment).getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals("/tmp")).findFirst().orElseThrow();
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst()
                    .orElseThrow();
            assertNotNull(volume.getEmptyDir(), name + ": /tmp is not an emptyDir");
            container(deployment).getVolumeMounts().stream().filter(m -> !m.getMountPath().equals("/tmp"))
                    .forEach(m -> assertEquals(Boolean.TRUE, m.getReadOnly(), name + ": " + m.getMountPath()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void selectorsCarryNoVersionAndMatchThePods(String values) {
        for (Deployment deployment : deployments(values)) {
            Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
            assertEquals(Map.of("app.kubernetes.io/name", "kessai", "app.kubernetes.io/instance", Chart.RELEASE,
                    "app.kubernetes.io/component", Chart.SERVICES.get(key(deployment))), selector);
            assertTrue(deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                    .containsAll(selector.entrySet()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void podsSpreadAcrossZonesAndNodes(String values) {
        for (Deployment deployment : deployments(values)) {
            List<TopologySpreadConstraint> spread = deployment.getSpec().getTemplate().getSpec()
                    .getTopologySpreadConstraints();
            assertEquals(Set.of("topology.kubernetes.io/zone", "kubernetes.io/hostname"),
                    spread.stream().map(TopologySpreadConstraint::getTopologyKey).collect(Collectors.toSet()));
            for (TopologySpreadConstraint constraint : spread) {
                assertEquals(deployment.getSpec().getSelector().getMatchLabels(),
                        constraint.getLabelSelector().getMatchLabels());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void terminationGraceOutlastsPreStopShutdownDelayAndTimeout(String values) {
        for (Deployment deployment : deployments(values)) {
            Container container = container(deployment);
            long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
            long delay = seconds(env(container, "QUARKUS_SHUTDOWN_DELAY"));
            long timeout = seconds(env(container, "QUARKUS_SHUTDOWN_TIMEOUT"));
            assertEquals("true", env(container, "QUARKUS_SHUTDOWN_DELAY_ENABLED"));
            assertTrue(delay > 0, "a shutdown delay lets endpoints drop the pod before new requests get 503");
            long grace = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
            assertTrue(grace > preStop + delay + timeout, deployment.getMetadata().getName() + ": grace " + grace
                    + " s is not more than preStop " + preStop + " + delay " + delay + " + timeout " + timeout);
            assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        }
    }

    @Test
    void aGracePeriodTooShortForTheShutdownFailsTheRender() {
        var failure = assertThrows(IllegalStateException.class,
                () -> Chart.render(List.of(), Map.of("shutdown.terminationGracePeriodSeconds", 30)));
        assertTrue(failure.getMessage().contains("terminationGracePeriodSeconds"), failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "production"})
    void imagesArePinnedToAVersionNeverLatest(String values) {
        for (Deployment deployment : deployments(values)) {
            String image = container(deployment).getImage();
            assertTrue(image.matches(".+/kessai/" + Chart.SERVICES.get(key(deployment)) + "(:[0-9][^:]*|@sha256:.+)"),
                    image);
            assertFalse(image.endsWith(":latest"), image);
        }
    }

    @Test
    void theReplicaCountIsLeftToTheAutoscalerWhenThereIsOne() {
        for (Deployment deployment : deployments("default")) {
            assertNull(deployment.getSpec().getReplicas(), "helm upgrade would reset the HPA's count");
        }
        var fixed = Chart.object(Chart.render(List.of(), Map.of("wallet.autoscaling.hpa.enabled", false,
                "wallet.replicaCount", 3)), Deployment.class, Chart.nameOf("wallet"));
        assertEquals(3, fixed.getSpec().getReplicas());
    }

    @Test
    void servicesReachEachOtherThroughTheirServices() {
        String rendered = Chart.renderDefault();
        Container payment = container(Chart.object(rendered, Deployment.class, Chart.nameOf("payment")));
        assertEquals("http://kessai-auth-service:8081", env(payment, "KESSAI_AUTH_URL"));
        assertEquals("http://kessai-wallet-service:8082", env(payment, "KESSAI_PAYMENT_WALLET_URL"));
        assertEquals("http://kessai-notification-service:8084", env(payment, "KESSAI_OUTBOX_NOTIFICATION_URL"));
        Container auth = container(Chart.object(rendered, Deployment.class, Chart.nameOf("auth")));
        assertEquals("http://kessai-payment-service:8083", env(auth, "KESSAI_OUTBOX_DESTINATIONS_PAYMENT"));
        assertEquals("false", env(auth, "KESSAI_AUTH_GENERATE_SIGNING_KEY"), "replicas must share their keys");
        assertEquals("false", env(auth, "KESSAI_AUTH_OTP_GENERATE_PEPPER"), "replicas must share the pepper");
    }

    static List<Deployment> deployments(String values) {
        return Chart.objects(values.equals("default") ? Chart.renderDefault() : Chart.renderProduction(),
                Deployment.class);
    }

    static Container container(Deployment deployment) {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.getFirst();
    }

    static String key(Deployment deployment) {
        return Chart.SERVICES.entrySet().stream()
                .filter(e -> deployment.getMetadata().getName().equals(Chart.nameOf(e.getKey()))).findFirst()
                .orElseThrow().getKey();
    }

    static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
    }

    private static long seconds(String duration) {
        assertTrue(duration.matches("[0-9]+S"), duration);
        return Long.parseLong(duration.substring(0, duration.length() - 1));
    }

    private static void assertProbe(String deployment, String kind, Probe probe, String path) {
        assertNotNull(probe, deployment + " has no " + kind + " probe");
        assertEquals(path, probe.getHttpGet().getPath(), deployment + " " + kind);
        assertEquals("http", probe.getHttpGet().getPort().getStrVal(), deployment + " " + kind);
    }
}
