package io.kessai.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Stands in for auth-service in a resource service's {@code @QuarkusTest}: serves a JWKS over real HTTP, exactly
 * where quarkus-oidc fetches auth-service's, and mints tokens with the published key. One per test JVM.
 */
public class TestIssuer implements QuarkusTestResourceLifecycleManager {

    private static TokenMinter minter;
    private static HttpServer server;

    /** The minter of the running issuer, for tests to create good and forged tokens. */
    public static synchronized TokenMinter tokens() {
        if (minter == null) {
            throw new IllegalStateException("TestIssuer is not started: add it as a test resource");
        }
        return minter;
    }

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            minter = new TokenMinter(TokenMinter.newKey("test-key-1"), url);
            byte[] jwks = new JsonWebKeySet(minter.key()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                    .getBytes(StandardCharsets.UTF_8);
            server.createContext("/.well-known/jwks.json", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(jwks);
                }
            });
            server.start();
        }
        return Map.of("kessai.auth.url", minter.issuer(), "kessai.auth.issuer", minter.issuer());
    }

    @Override
    public synchronized void stop() {
        // Kept for the whole test JVM: Quarkus may restart the app between test classes with the same issuer.
    }
}
