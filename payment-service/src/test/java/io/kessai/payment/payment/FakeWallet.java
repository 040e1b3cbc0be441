package io.kessai.payment.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * wallet-service as WireMock plays it, over real HTTP: every customer has the same wallet account and every merchant
 * the same merchant account, every transfer and reversal is posted (201 with a fresh id), a batch answers each of its
 * transfers ({@link BatchAnswers}), and a lookup by key finds nothing (404). Tests add stubs of higher priority
 * for the faults they drive (a refusal, a slow answer) and read what was sent ({@link #server()}).
 */
public class FakeWallet implements QuarkusTestResourceLifecycleManager {

    public static final UUID CUSTOMER_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000c001");
    public static final UUID MERCHANT_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000d001");
    /** A customer account whose transfers a batch refuses with {@code insufficient-funds}. */
    public static final UUID FEES_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000f001");
    public static final UUID PAYOUT_CLEARING_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000f002");
    public static final UUID EMPTY_ACCOUNT = UUID.fromString("00000000-0000-4000-8000-00000000c0ff");
    /** wallet-service's {@code funding-clearing} system account, which every top-up debits. */
    public static final UUID FUNDING_CLEARING = UUID.fromString("00000000-0000-4000-8000-00000000f003");
    private static volatile WireMockServer server;

    public static WireMockServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").templatingEnabled(true)
                .globalTemplating(true).containerThreads(32).extensions(new BatchAnswers()));
        server.start();
        stubDefaults();
        return Map.of("kessai.payment.wallet.url", server.baseUrl(), "kessai.payment.wallet.timeout", "2S");
    }

    /** The answers of a healthy wallet-service (after a test's own stubs are removed). */
    public static void stubDefaults() {
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/customers/.+")).atPriority(10)
                .willReturn(json(200,
                        "[{\"id\":\"" + CUSTOMER_ACCOUNT + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/merchants/.+")).atPriority(10)
                .willReturn(json(200,
                        "[{\"id\":\"" + MERCHANT_ACCOUNT + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/system/funding-clearing")).atPriority(10)
                .willReturn(json(200, "{\"id\":\"" + FUNDING_CLEARING + "\",\"kind\":\"system\",\"ownerId\":"
                        + "\"funding-clearing\",\"currency\":\"JPY\",\"status\":\"active\"}")));
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/system/fees")).atPriority(10)
                .willReturn(json(200, "{\"id\":\"" + FEES_ACCOUNT + "\",\"kind\":\"system\"}")));
        server.stubFor(get(urlPathMatching("/v1/internal/accounts/system/payout-clearing")).atPriority(10)
                .willReturn(json(200, "{\"id\":\"" + PAYOUT_CLEARING_ACCOUNT + "\",\"kind\":\"system\"}")));
        server.stubFor(post(urlPathMatching("/v1/internal/transfers")).atPriority(10)
                .willReturn(json(201,
                        "{\"id\":\"{{randomValue type='UUID'}}\",\"kind\":\"payment\",\"status\":\"posted\"}")));
        server.stubFor(post(urlPathMatching("/v1/internal/transfers/batch")).atPriority(9)
                .willReturn(aResponse().withTransformers(BatchAnswers.NAME)));
        server.stubFor(post(urlPathMatching("/v1/internal/transfers/[^/]+/reversals")).atPriority(10)
                .willReturn(json(201,
                        "{\"id\":\"{{randomValue type='UUID'}}\",\"kind\":\"reversal\",\"status\":\"posted\"}")));
        // No transfer under any key, unless a test says otherwise.
        server.stubFor(get(urlPathMatching("/v1/internal/transfers")).atPriority(10)
                .willReturn(json(404, "{\"type\":\"https://kessai.io/problems/transfer-not-found\",\"status\":404}")));
    }

    /**
     * wallet-service's batch answer ({@code docs/ledger.md}, "Batches"): 200 with one result per transfer in order, each
     * posted (201, a fresh id) unless it is paid from {@link #EMPTY_ACCOUNT} (422 {@code insufficient-funds}).
     */
    static final class BatchAnswers implements ResponseDefinitionTransformerV2 {

        static final String NAME = "wallet-batch";

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            JsonArray transfers = new JsonObject(serveEvent.getRequest().getBodyAsString()).getJsonArray("transfers");
            JsonArray results = new JsonArray();
            int posted = 0;
            for (int i = 0; i < transfers.size(); i++) {
                JsonObject transfer = transfers.getJsonObject(i).getJsonObject("transfer");
                String from = transfer.getJsonArray("legs").getJsonObject(0).getString("from");
                if (EMPTY_ACCOUNT.toString().equals(from)) {
                    results.add(new JsonObject().put("index", i).put("status", 422).put("problem", new JsonObject()
                            .put("type", "https://kessai.io/problems/insufficient-funds")
                            .put("title", "Insufficient funds").put("status", 422)
                            .put("detail", "The balance does not cover this transfer.")));
                } else {
                    posted++;
                    results.add(new JsonObject().put("index", i).put("status", 201).put("transfer", new JsonObject()
                            .put("id", UUID.randomUUID().toString()).put("kind", transfer.getString("kind"))
                            .put("status", "posted")));
                }
            }
            JsonObject body = new JsonObject().put("posted", posted).put("replayed", 0)
                    .put("refused", transfers.size() - posted).put("results", results);
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody(body.encode()).build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    public static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", status >= 400
                ? "application/problem+json"
                : "application/json").withBody(body);
    }

    @Override
    public void stop() {
        server.stop();
    }
}
