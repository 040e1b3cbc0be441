package io.kessai.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;

/** NOTES.txt tells the installer which Secrets to create and what is still missing, from the values in use. */
class NotesTest {

    @Test
    void notesNameEverySecretTheReleaseNeeds() {
        String notes = notes(null);
        for (String secret : new String[]{"kessai-db:", "kessai-auth-signing-keys:", "kessai-auth-service: otp-pepper",
                "client-secret-payment-service", "kessai-payment-service: outbox-client-secret", "cpm-seal-key"}) {
            assertTrue(notes.contains(secret), () -> "NOTES.txt does not name " + secret + ":\n" + notes);
        }
    }

    @Test
    void notesWarnAboutAnInternalIssuerNoIngressAndOpenDatabaseEgress() {
        String notes = notes(null);
        assertTrue(notes.contains("WARNING: auth.issuer is empty"), notes);
        assertTrue(notes.contains("set ingress.enabled=true"), notes);
        assertTrue(notes.contains("networkPolicy.database.to is empty"), notes);
    }

    @Test
    void productionNotesNameNotificationSecretsAndWarnOfNothing() {
        String notes = notes(Chart.PRODUCTION_VALUES);
        assertTrue(notes.contains("kessai-notification: sms-api-key smtp-password"), notes);
        assertTrue(notes.contains("kessai-auth: otp-pepper, client-secret-auth-service, client-secret-payment-service,"
                + " client-secret-ops-console"), notes);
        assertFalse(notes.contains("WARNING") || notes.contains("NOTE:") || notes.contains("not exposed"), notes);
    }

    private static String notes(Path values) {
        InstallCommand install = new Helm(Chart.DIRECTORY).install().withName(Chart.RELEASE).withNamespace("kessai")
                .withKubeVersion(Chart.KUBE_VERSION).dryRun().clientOnly();
        if (values != null) {
            install = install.withValuesFile(values);
        }
        String output = install.call().getOutput();
        return output.substring(output.indexOf("NOTES:"));
    }
}
