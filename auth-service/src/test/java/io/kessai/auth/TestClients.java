package io.kessai.auth;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Configures service clients with secrets generated for this test run (no secret lives in the repository). */
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

    @Override
    public Map<String, String> start() {
        return Map.of(
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
