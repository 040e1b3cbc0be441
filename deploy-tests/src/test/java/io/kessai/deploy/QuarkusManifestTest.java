package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * The chart agrees with what each service declares of its own Deployment: quarkus-kubernetes writes
 * {@code <service>/target/kubernetes/kubernetes.yml} when the service is packaged (the port from
 * {@code quarkus.http.port}, the probes smallrye-health serves, the {@code quarkus.kubernetes.env.*} of its
 * application.properties), and the chart's default render must have the same port, probe paths and ports, and
 * environment names. The chart is what is installed; the generated manifest is the service's side of the contract.
 *
 * <p>
 * The root pom lists deploy-tests after the services, so {@code ./mvnw verify} packages them first. A manifest that
 * is missing or older than its service's configuration fails here: it is never skipped.
 */
class QuarkusManifestTest {

    private static final String PACKAGE = "./mvnw -B package -DskipTests -pl "
            + String.join(",", Chart.SERVICES.values()) + " -am";

    @ParameterizedTest
    @ValueSource(strings = {"auth", "wallet", "payment", "notification"})
    void containerPortIsTheOneTheServiceListensOn(String key) {
        Container chart = chartContainer(key);
        Container quarkus = quarkusContainer(key);
        assertEquals(ports(quarkus), ports(chart), Chart.SERVICES.get(key)
                + ": container ports (name=number) of the chart differ from Quarkus's manifest " + manifest(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth", "wallet", "payment", "notification"})
    void probesAreTheOnesSmallRyeHealthServes(String key) {
        Container chart = chartContainer(key);
        Container quarkus = quarkusContainer(key);
        Map<String, String> expected = probes(quarkus);
        assertEquals(Set.of("startup", "liveness", "readiness"), expected.keySet(),
                manifest(key) + " declares other probes: is quarkus-smallrye-health still a dependency?");
        assertEquals(expected, probes(chart), Chart.SERVICES.get(key)
                + ": probes (kind=path on port) of the chart differ from Quarkus's manifest " + manifest(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth", "wallet", "payment", "notification"})
    void environmentNamesAreTheOnesTheServiceDeclares(String key) {
        Set<String> chart = envNames(chartContainer(key));
        Set<String> quarkus = envNames(quarkusContainer(key));
        if (!chart.equals(quarkus)) {
            fail(Chart.SERVICES.get(key) + ": environment names differ between the chart's default render and "
                    + manifest(key) + " (quarkus.kubernetes.env.* in " + Chart.SERVICES.get(key)
                    + "/src/main/resources/application.properties)\n  only in Quarkus's manifest: "
                    + difference(quarkus, chart) + "\n  only in the chart: " + difference(chart, quarkus));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth", "wallet", "payment", "notification"})
    void secretVariablesComeFromTheSameSecretKeys(String key) {
        Map<String, String> chart = secretRefs(chartContainer(key));
        Map<String, String> quarkus = secretRefs(quarkusContainer(key));
        assertEquals(quarkus, chart, Chart.SERVICES.get(key)
                + ": variables read from Secrets (name=secret/key) differ from Quarkus's manifest " + manifest(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth", "wallet", "payment", "notification"})
    void quarkusSelectorCarriesNoVersionAsTheChartsDoesNot(String key) {
        Deployment quarkus = quarkusDeployment(key);
        Map<String, String> selector = quarkus.getSpec().getSelector().getMatchLabels();
        assertNotNull(selector, manifest(key) + " has no selector");
        assertFalse(selector.containsKey("app.kubernetes.io/version"),
                manifest(key) + ": quarkus.kubernetes.add-version-to-label-selectors=false is not in effect");
    }

    private static Container chartContainer(String key) {
        return DeploymentTest.container(Chart.object(Chart.renderDefault(), Deployment.class, Chart.nameOf(key)));
    }

    private static Container quarkusContainer(String key) {
        return DeploymentTest.container(quarkusDeployment(key));
    }

    /** The Deployment in the service's generated manifest, named after quarkus.application.name. */
    static Deployment quarkusDeployment(String key) {
        return Chart.object(quarkusManifest(key), Deployment.class, Chart.SERVICES.get(key));
    }

    static Path manifest(String key) {
        return Chart.REPOSITORY.resolve(Chart.SERVICES.get(key)).resolve("target/kubernetes/kubernetes.yml");
    }

    private static String quarkusManifest(String key) {
        Path manifest = manifest(key);
        Path service = Chart.REPOSITORY.resolve(Chart.SERVICES.get(key));
        try {
            if (!Files.isRegularFile(manifest)) {
                fail(Chart.REPOSITORY.relativize(manifest) + " is missing: quarkus-kubernetes writes it when "
                        + Chart.SERVICES.get(key) + " is packaged. Package the services first (" + PACKAGE
                        + "); ./mvnw verify at the root packages them before deploy-tests.");
            }
            FileTime generated = Files.getLastModifiedTime(manifest);
            for (Path source : List.of(service.resolve("pom.xml"),
                    service.resolve("src/main/resources/application.properties"))) {
                if (Files.getLastModifiedTime(source).compareTo(generated) > 0) {
                    fail(Chart.REPOSITORY.relativize(manifest) + " is older than " + Chart.REPOSITORY.relativize(source)
                            + ": package the services again (" + PACKAGE + ").");
                }
            }
            return Files.readString(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** name=containerPort of each port, e.g. {@code http=8081}. */
    private static Set<String> ports(Container container) {
        return container.getPorts().stream().map(p -> p.getName() + "=" + p.getContainerPort())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** kind -> "path on port number", with a named port resolved through the container's ports. */
    private static Map<String, String> probes(Container container) {
        Map<String, String> probes = new TreeMap<>();
        probe(container, "startup", container.getStartupProbe(), probes);
        probe(container, "liveness", container.getLivenessProbe(), probes);
        probe(container, "readiness", container.getReadinessProbe(), probes);
        return probes;
    }

    private static void probe(Container container, String kind, Probe probe, Map<String, String> probes) {
        if (probe == null) {
            return;
        }
        if (probe.getHttpGet() == null) {
            probes.put(kind, "not an HTTP GET");
            return;
        }
        String scheme = probe.getHttpGet().getScheme() == null ? "HTTP" : probe.getHttpGet().getScheme();
        probes.put(kind, scheme + " " + probe.getHttpGet().getPath() + " on port "
                + portNumber(container, probe.getHttpGet().getPort()));
    }

    private static String portNumber(Container container, IntOrString port) {
        if (port == null) {
            return "none";
        }
        if (port.getIntVal() != null) {
            return port.getIntVal().toString();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).map(String::valueOf).findFirst()
                .orElse("'" + port.getStrVal() + "' (no such container port)");
    }

    /**
     * Dekorate (under quarkus-kubernetes) adds KUBERNETES_NAMESPACE from the pod's namespace to every Deployment it
     * generates, unconditionally; no Kessai service reads it, so the chart does not set it.
     */
    private static final String GENERATOR_ONLY = "KUBERNETES_NAMESPACE";

    private static Set<String> envNames(Container container) {
        return container.getEnv().stream().map(EnvVar::getName).filter(name -> !name.equals(GENERATOR_ONLY))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** name -> "secret/key" of each variable read with secretKeyRef. */
    private static Map<String, String> secretRefs(Container container) {
        Map<String, String> refs = new TreeMap<>();
        for (EnvVar env : container.getEnv()) {
            if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                SecretKeySelector ref = env.getValueFrom().getSecretKeyRef();
                refs.put(env.getName(), ref.getName() + "/" + ref.getKey());
            }
        }
        return refs;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> only = new TreeSet<>(a);
        only.removeAll(b);
        return only;
    }
}
