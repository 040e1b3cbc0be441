package io.kessai.auth;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives each application start what an install generates for itself, and the peers its outbox relay talks to:
 * <ul>
 * <li>service-client secrets made for this test run (no secret lives in the repository);
 * <li>a folder of its own under {@code target/test-starts/}, holding an empty signing-key folder and the OTP key
 * file, so that a key one start rotates in, an OTP key another JVM is writing, or what an earlier build left under
 * target/ is never seen by another start; the folder is deleted when the start stops;
 * <li>the outbox's token endpoint, notification-service, wallet-service and payment-service as a loopback stand-in that
 * answers 503 to everything, so that nothing a test queues is ever delivered (tests read the rows), and nothing
 * reaches a service that happens to listen on the local stack's ports (8081-8084) on a developer's machine.
 * {@link io.kessai.auth.ops.FakeWalletService} replaces it where a test drives the relay for real.
 * </ul>
 * Every {@code @QuarkusTest} start needs it: without it the %test settings name no key folder that could be generated,
 * and the start fails instead of sharing files.
 */
public class TestClients implements QuarkusTestResourceLifecycleManager {

    public static final String PAYMENT = "payment-service";
    public static final String OPS_TOOL = "ops-console";
    /** A client that may resolve recipients and does nothing else, whose resolve bucket one test empties. */
    public static final String RESOLVER = "resolve-limited";
    /**
     * Clients whose secrets a test guesses, one per test: a client whose failure bucket one test empties is refused
     * (429) for the rest of the start, so no other test may need it, and no test may need a client another guesses.
     */
    public static final List<String> GUESSED = List.of("guessed-from-one-address", "guessed-from-many-addresses",
            "guessed-in-parallel", "guessed-after-successes");
    private static final String PAYMENT_SECRET = randomSecret();
    private static final String OPS_SECRET = randomSecret();
    private static final String RESOLVER_SECRET = randomSecret();
    private static final Map<String, String> GUESSED_SECRETS = GUESSED.stream()
            .collect(Collectors.toUnmodifiableMap(id -> id, id -> randomSecret()));

    private Path folder;
    private HttpServer peersDown;

    public static String secretOf(String clientId) {
        return switch (clientId) {
            case PAYMENT -> PAYMENT_SECRET;
            case OPS_TOOL -> OPS_SECRET;
            case RESOLVER -> RESOLVER_SECRET;
            default -> {
                if (!GUESSED_SECRETS.containsKey(clientId)) {
                    throw new IllegalArgumentException(clientId);
                }
                yield GUESSED_SECRETS.get(clientId);
            }
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
        try {
            folder = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-starts")), "start-")
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>(Map.of(
                "kessai.auth.signing-key-dir", folder.resolve("signing-keys").toString(),
                "kessai.auth.generate-signing-key", "true",
                "kessai.auth.otp.pepper-file", folder.resolve("otp-pepper").toString(),
                "kessai.auth.otp.generate-pepper", "true",
                "kessai.auth.service-clients." + PAYMENT + ".secret", PAYMENT_SECRET,
                "kessai.auth.service-clients." + OPS_TOOL + ".secret", OPS_SECRET,
                "kessai.auth.service-clients." + OPS_TOOL + ".roles", "ops"));
        config.put("kessai.auth.service-clients." + RESOLVER + ".secret", RESOLVER_SECRET);
        config.put("kessai.auth.service-clients." + RESOLVER + ".scopes", "auth:users.resolve");
        GUESSED_SECRETS.forEach((id, secret) -> config.put("kessai.auth.service-clients." + id + ".secret", secret));
        config.putAll(outboxPeers());
        return config;
    }

    /**
     * Where the outbox relay of this start gets its token and delivers (every {@code kessai.outbox} URL): here a
     * loopback server on a free port that refuses everything with 503, so whatever runs the relay leaves every row in
     * place, to be retried.
     */
    protected Map<String, String> outboxPeers() {
        peersDown = LoopbackHttpServer.start(Map.of("/", exchange -> {
            LoopbackHttpServer.body(exchange);
            LoopbackHttpServer.respond(exchange, 503, "{}");
        }));
        String url = LoopbackHttpServer.url(peersDown);
        return Map.of("kessai.outbox.auth-url", url,
                "kessai.outbox.notification-url", url,
                "kessai.outbox.destinations.wallet", url,
                "kessai.outbox.destinations.payment", url);
    }

    @Override
    public void stop() {
        if (peersDown != null) {
            peersDown.stop(0);
        }
        if (folder != null) {
            try (Stream<Path> files = Files.walk(folder)) {
                // Deepest first: files (and retired/) before the folders that hold them.
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                System.err.println("Could not delete the test start's key folder " + folder + ": " + e);
            }
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
