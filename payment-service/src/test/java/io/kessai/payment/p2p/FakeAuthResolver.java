package io.kessai.payment.p2p;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * auth-service's {@code POST /v1/internal/users/resolve} as WireMock plays it, over real HTTP: every number is one
 * that cannot receive (404 {@code recipient-unavailable}) unless a test stubs it to a customer, or to a failure.
 */
public class FakeAuthResolver implements QuarkusTestResourceLifecycleManager {

    static final String PATH = "/v1/internal/users/resolve";
    private static volatile WireMockServer server;

    static WireMockServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(16));
        server.start();
        server.stubFor(post(urlPathEqualTo(PATH)).atPriority(10).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"type\":\"https://kessai.io/problems/recipient-unavailable\",\"status\":404,"
                        + "\"code\":\"recipient-unavailable\",\"detail\":\"No customer who can receive has this "
                        + "number.\"}")));
        return Map.of("kessai.payment.p2p.auth-url", server.baseUrl(), "kessai.payment.p2p.auth-timeout", "1S");
    }

    @Override
    public void stop() {
        server.stop();
    }
}
