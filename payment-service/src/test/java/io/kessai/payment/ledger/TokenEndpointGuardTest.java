package io.kessai.payment.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.kessai.outbox.TokenEndpoint;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.shed.Shop;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * auth-service's token endpoint hangs (it takes the connection and never answers): a payment that needs a wallet token
 * is refused with 503 once the token call's timeout passes, nothing is recorded and nothing reaches the ledger, and
 * after a few such calls the token endpoint's breaker opens, so the next ones fail at once, and {@code GET /v1/status}
 * says paying and refunds are degraded. A start of its own: the
 * token endpoint here is the hanging one.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeWallet.class)
@WithTestResource(TokenEndpointGuardTest.HangingIssuer.class)
class TokenEndpointGuardTest {

    /** A token endpoint that takes connections into its backlog and never answers them. */
    public static class HangingIssuer implements QuarkusTestResourceLifecycleManager {

        private ServerSocket socket;

        @Override
        public Map<String, String> start() {
            try {
                socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return Map.of("kessai.outbox.auth-url", "http://127.0.0.1:" + socket.getLocalPort(),
                    "kessai.outbox.client-secret", UUID.randomUUID().toString());
        }

        @Override
        public void stop() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the test is over
            }
        }
    }

    @Inject
    CircuitBreakerMaintenance breakers;

    @Test
    void aHangingTokenEndpointIsCutOffAndItsBreakerOpens() {
        Shop shop = Shop.open();
        int seen = FakeWallet.server().getAllServeEvents().size();
        for (int i = 0; i < 4; i++) {
            expectProblem(shop.pay(Shop.customer(), UUID.randomUUID().toString(), 100), 503, "service-unavailable");
        }
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(TokenEndpoint.BREAKER));
        // The status says so: payments that need a new token fail; those on a cached one may still go through.
        RestAssured.get("/v1/status").then().statusCode(200)
                .body("capabilities.paying.status", Matchers.equalTo("degraded"))
                .body("capabilities.refunds.status", Matchers.equalTo("degraded"));
        expectProblem(shop.pay(Shop.customer(), UUID.randomUUID().toString(), 100), 503, "service-unavailable");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payment WHERE store_id = '" + shop.storeId() + "'"),
                "nothing recorded");
        assertEquals(seen, FakeWallet.server().getAllServeEvents().size(), "nothing reached wallet-service");
    }
}
