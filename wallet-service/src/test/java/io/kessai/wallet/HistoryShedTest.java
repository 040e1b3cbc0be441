package io.kessai.wallet;

import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.serviceToken;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * Reads shed before payments: with the statement bulkhead shrunk to one in flight and one waiting, a burst of history
 * reads is partly turned away with 503 and Retry-After while every payment sent in the same burst is posted.
 */
@QuarkusTest
@TestProfile(HistoryShedTest.TinyStatementBulkhead.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class HistoryShedTest {

    public static class TinyStatementBulkhead implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("io.kessai.wallet.history.History/page/Bulkhead/value", "1",
                    "io.kessai.wallet.history.History/page/Bulkhead/waitingTaskQueue", "1");
        }
    }

    @Test
    void aBurstOfStatementReadsShedsWhilePaymentsGoThrough() {
        String wallet = openCustomer(unique("user"));
        String shop = openMerchant(unique("shop"));
        topUp(wallet, 100_000);
        HttpClient http = HttpClient.newHttpClient();
        String base = RestAssured.baseURI + ":" + RestAssured.port;
        List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> payments = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            reads.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/internal/accounts/" + wallet
                    + "/entries")).header("Authorization", "Bearer " + serviceToken()).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
            if (i % 3 == 0) {
                payments.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/internal/transfers"))
                        .header("Authorization", "Bearer " + serviceToken())
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"payment\",\"legs\":[{\"from\":\""
                                + wallet + "\",\"to\":\"" + shop + "\",\"amount\":100}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString()));
            }
        }
        int shed = 0;
        int served = 0;
        for (CompletableFuture<HttpResponse<String>> read : reads) {
            HttpResponse<String> response = read.join();
            if (response.statusCode() == 503) {
                assertTrue(response.body().contains("service-unavailable"), response.body());
                assertEquals("5", response.headers().firstValue("Retry-After").orElse(null));
                shed++;
            } else {
                assertEquals(200, response.statusCode(), response.body());
                served++;
            }
        }
        for (CompletableFuture<HttpResponse<String>> payment : payments) {
            assertEquals(201, payment.join().statusCode());
        }
        assertTrue(shed > 0, "some reads were shed");
        assertTrue(served > 0, "some reads were served");
        assertEquals(2_000, WalletApi.balance(shop));
    }
}
