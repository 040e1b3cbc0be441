package io.kessai.auth;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives each application start what an install generates for itself: service-client secrets made for this test run
 * (no secret lives in the repository) and an empty signing-key folder of its own, so that a key one start rotates in,
 * or an earlier build left under target/, is never seen by another start.
 */
public class TestClients implements QuarkusTestResourceLifecycleManager {

    public static final String PAYMENT = "payment-service";
    public static final String OPS_TOOL = "ops-console";
    private static final String PAYMENT_SECRET = randomSecret();
    private static final String OPS_SECRET = randomSecret();

    public static String secretOf(String clientId) {
        return switch (clientId) {
            case PAYMENT -> PAYMENT_SECRET;
            case OPS_TOOL -> OPS_SECRET;
            default -> throw new IllegalArgumentException(clientId);
        };
    }

    /** A client-credentials access token for one of these clients, from the running auth-service. */
    public static String token(String clientId) {
        return given().formParam("grant_type", "client_credentials").formParam("client_id", clientId)
                .formParam("client_secret", secretOf(clientId))
                .post("/oauth2/token").then().statusCode(200).extract().path("access_token");
    }

    @Override
    public Map<String, String> start() {
        Path keys;
        try {
            Path parent = Files.createDirectories(Path.of("target", "signing-keys"));
            keys = Files.createTempDirectory(parent, "start-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "kessai.auth.signing-key-dir", keys.toAbsolutePath().toString(),
                "kessai.auth.service-clients." + PAYMENT + ".secret", PAYMENT_SECRET,
                "kessai.auth.service-clients." + OPS_TOOL + ".secret", OPS_SECRET,
                "kessai.auth.service-clients." + OPS_TOOL + ".roles", "ops,service");
    }

    @Override
    public void stop() {
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
