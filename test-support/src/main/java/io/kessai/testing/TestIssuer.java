package io.kessai.testing;

import java.util.Map;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;

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
            RsaJsonWebKey key = TokenMinter.newKey("test-key-1");
            String jwks = new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
            server = LoopbackHttpServer.start(Map.of("/.well-known/jwks.json",
                    exchange -> LoopbackHttpServer.respond(exchange, 200, jwks)));
            minter = new TokenMinter(key, LoopbackHttpServer.url(server));
        }
        return Map.of("kessai.auth.url", minter.issuer(), "kessai.auth.issuer", minter.issuer());
    }

    @Override
    public synchronized void stop() {
        // Kept for the whole test JVM: Quarkus may restart the app between test classes with the same issuer.
    }
}
