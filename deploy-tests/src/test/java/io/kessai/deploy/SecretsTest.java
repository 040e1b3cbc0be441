package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** The chart never renders a secret: it names Secrets that operators create, and pods read them by reference. */
class SecretsTest {

    /** Names of settings that hold a secret, unless they hold a path to one (_FILE, _DIR). */
    private static final Pattern SECRET_NAME = Pattern
            .compile("(?i).*(PASSWORD|SECRET|API_KEY|TOKEN|PEPPER|CREDENTIAL).*");
    private static final Pattern PATH_SETTING = Pattern.compile(".*_(FILE|DIR)$|.*_GENERATE_.*");

    @Test
    void noSecretObjectIsRendered() {
        for (String rendered : renders()) {
            List<HasMetadata> secrets = Chart.objects(rendered).stream().filter(o -> o.getKind().equals("Secret"))
                    .toList();
            assertEquals(List.of(), secrets);
        }
    }

    @Test
    void everySecretLookingVariableComesFromASecretKeyRef() {
        List<String> literal = new ArrayList<>();
        java.util.Set<String> references = new java.util.TreeSet<>();
        for (String rendered : renders()) {
            for (Deployment deployment : Chart.objects(rendered, Deployment.class)) {
                for (EnvVar env : DeploymentTest.container(deployment).getEnv()) {
                    if (SECRET_NAME.matcher(env.getName()).matches()
                            && !PATH_SETTING.matcher(env.getName()).matches()) {
                        if (env.getValue() != null || env.getValueFrom() == null
                                || env.getValueFrom().getSecretKeyRef() == null) {
                            literal.add(deployment.getMetadata().getName() + " " + env.getName());
                        } else {
                            references.add(env.getName());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), literal);
        // The check saw the secrets that production values configure.
        assertTrue(references.containsAll(java.util.Set.of("KESSAI_DB_PASSWORD", "KESSAI_OUTBOX_CLIENT_SECRET",
                "KESSAI_SERVICE_CLIENT_SECRET_PAYMENT_SERVICE", "KESSAI_SERVICE_CLIENT_SECRET_OPS_CONSOLE",
                "KESSAI_NOTIFICATION_SMS_HTTP_API_KEY", "QUARKUS_MAILER_PASSWORD")), references::toString);
    }

    @Test
    void theDatabaseUserAndPasswordComeFromSecrets() {
        for (Deployment deployment : Chart.objects(Chart.renderProduction(), Deployment.class)) {
            for (String name : List.of("KESSAI_DB_USER", "KESSAI_DB_PASSWORD")) {
                EnvVar env = DeploymentTest.container(deployment).getEnv().stream()
                        .filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
                assertEquals("kessai-db", env.getValueFrom().getSecretKeyRef().getName());
            }
        }
    }

    @Test
    void fileSecretsAreMountedFromSecrets() {
        var auth = Chart.object(Chart.renderProduction(), Deployment.class, Chart.nameOf("auth"));
        var volumes = auth.getSpec().getTemplate().getSpec().getVolumes();
        assertEquals("kessai-auth-signing-keys", volumes.stream().filter(v -> v.getName().equals("signing-keys"))
                .findFirst().orElseThrow().getSecret().getSecretName());
        assertEquals("kessai-auth", volumes.stream().filter(v -> v.getName().equals("otp-pepper")).findFirst()
                .orElseThrow().getSecret().getSecretName());
        var payment = Chart.object(Chart.renderProduction(), Deployment.class, Chart.nameOf("payment"));
        assertNotNull(payment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("cpm-seal-key")).findFirst().orElseThrow().getSecret());
    }

    @Test
    void configMapsHoldOnlyReferencesToSecrets() {
        for (String rendered : renders()) {
            for (ConfigMap config : Chart.objects(rendered, ConfigMap.class)) {
                config.getData().forEach((file, content) -> content.lines()
                        .filter(line -> line.contains("secret=") || line.contains("password="))
                        .forEach(line -> assertTrue(line.matches("[^=]+=\\$\\{[A-Z0-9_]+}"),
                                config.getMetadata().getName() + "/" + file + ": " + line)));
            }
        }
        var auth = Chart.object(Chart.renderProduction(), ConfigMap.class, "kessai-auth-service-config");
        assertTrue(auth.getData().get("application.properties")
                .contains(
                        "kessai.auth.service-clients.ops-console.secret=${KESSAI_SERVICE_CLIENT_SECRET_OPS_CONSOLE}"));
    }

    private static List<String> renders() {
        return List.of(Chart.renderDefault(), Chart.renderProduction());
    }
}
