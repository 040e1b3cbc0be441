package io.kessai.payment.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * wallet-service as WireMock plays it, over real HTTP: every customer has the same wallet account and every merchant
 * the same merchant account, every transfer and reversal is posted (201 with a fresh id), and a lookup by key finds
 * nothing (404). Tests add stubs of higher priority
 * for the faults they drive (a refusal, a slow answer) and read what was sent ({@link #server()}).
 */
public class FakeWallet implements QuarkusTestResourceLifecycleManager {

    public static final UUID CUSTOMER_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000c001");
    public static final UUID MERCHANT_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000d001");
    private static volatile WireMockServer server;

    public static WireMockServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").templatingEnabled(true)
                .globalTemplating(true).containerThreads(32));
        server.start();
        stubDefaults();
        return Map.of("kessai.payment.wallet.url", server.baseUrl(), "kessai.payment.wallet.timeout", "1S");
    }

    /** The answers of a healthy wallet-service (after a test's own stubs are removed). */
    public static void stubDefaults() {
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/customers/.+")).atPriority(10)
                .willReturn(json(200,
                        "[{\"id\":\"" + CUSTOMER_ACCOUNT + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/merchants/.+")).atPriority(10)
                .willReturn(json(200,
                        "[{\"id\":\"" + MERCHANT_ACCOUNT + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        server.stubFor(post(urlPathMatching("/v1/internal/transfers")).atPriority(10)
                .willReturn(json(201,
                        "{\"id\":\"{{randomValue type='UUID'}}\",\"kind\":\"payment\",\"status\":\"posted\"}")));
        server.stubFor(post(urlPathMatching("/v1/internal/transfers/[^/]+/reversals")).atPriority(10)
                .willReturn(json(201,
                        "{\"id\":\"{{randomValue type='UUID'}}\",\"kind\":\"reversal\",\"status\":\"posted\"}")));
        // No transfer under any key, unless a test says otherwise.
        server.stubFor(get(urlPathMatching("/v1/internal/transfers")).atPriority(10)
                .willReturn(json(404, "{\"type\":\"https://kessai.io/problems/transfer-not-found\",\"status\":404}")));
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", status >= 400
                ? "application/problem+json"
                : "application/json").withBody(body);
    }

    @Override
    public void stop() {
        server.stop();
    }
}
