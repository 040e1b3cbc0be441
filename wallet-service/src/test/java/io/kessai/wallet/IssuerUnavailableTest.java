package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** When auth-service cannot be reached for its keys, a token cannot be checked: that is a 503, never a 500 or 200. */
@QuarkusTest
@TestProfile(IssuerUnavailableTest.IssuerDown.class)
class IssuerUnavailableTest {

    /**
     * An issuer that is there but broken: a real server on a free loopback port that answers every request, the JWKS
     * included, with 500. (A fixed "nothing listens here" port is an assumption about the machine, not a fact.)
     */
    public static class FailingIssuer implements QuarkusTestResourceLifecycleManager {

        static volatile String url;
        static final AtomicInteger asked = new AtomicInteger();
        private HttpServer server;

        @Override
        public Map<String, String> start() {
            server = LoopbackHttpServer.start(Map.of("/", exchange -> {
                asked.incrementAndGet();
                LoopbackHttpServer.respond(exchange, 500, "{\"error\":\"down for maintenance\"}");
            }));
            url = LoopbackHttpServer.url(server);
            return Map.of("kessai.auth.url", url, "kessai.auth.issuer", url, "quarkus.oidc.connection-timeout", "1S");
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(0);
            }
        }
    }

    public static class IssuerDown implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PostgresResource.class), new TestResourceEntry(FailingIssuer.class));
        }
    }

    @Test
    void tokenCannotBeCheckedSoTheAnswerIs503WithRetryAfter() {
        String token = new TokenMinter(TokenMinter.newKey("k1"), FailingIssuer.url).token("payment-service",
                "service");
        int asked = FailingIssuer.asked.get();
        expectProblem(given().auth().oauth2(token).when().get("/v1/internal/whoami").then(), 503,
                "service-unavailable")
                .header("Retry-After", equalTo("5"));
        assertTrue(FailingIssuer.asked.get() > asked, "the request asked the issuer for its keys, and it failed");
    }

    @Test
    void requestsWithoutATokenStillGet401() {
        expectProblem(given().when().get("/v1/internal/whoami").then(), 401, "unauthorized");
    }
}
