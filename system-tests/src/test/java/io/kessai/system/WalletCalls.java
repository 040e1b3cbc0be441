package io.kessai.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.restassured.path.json.JsonPath;

import groovy.json.JsonOutput;

/**
 * wallet-service's internal API as payment-service calls it (and auth-service, which opens customers' wallets), over
 * plain {@link HttpClient} (as many threads as a test
 * likes, keep-alive connections as a real caller has them), and the wallet database read directly by SQL, so that a
 * test compares what callers were told with what is stored without going through the service under test.
 */
final class WalletCalls {

    /** One HTTP answer; {@code retryAfter} is null when the header is absent. */
    record Answer(int status, String body, String retryAfter) {

        JsonPath json() {
            return JsonPath.from(body);
        }

        String problemCode() {
            return status >= 400 && body.contains("\"code\"") ? json().getString("code") : null;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI wallet;
    private final String token;
    private final String walletOpener;

    WalletCalls(LocalStack stack) {
        this.wallet = stack.url(Service.WALLET);
        this.token = StackSmokeIT.serviceToken(Service.PAYMENT);
        this.walletOpener = StackSmokeIT.serviceToken(Service.AUTH);
    }

    /**
     * A new customer wallet (auth-service opens those) or merchant account (payment-service) for a new owner; {@code
     * kind} is customers or merchants.
     */
    String open(String kind, String owner) throws IOException {
        boolean customer = kind.equals("customers");
        HttpRequest.Builder request = HttpRequest.newBuilder(wallet.resolve("/v1/internal/accounts/" + kind))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(Map.of(customer ? "userId" : "merchantId", owner))));
        Answer answer = send(request, customer ? walletOpener : token);
        if (answer.status() != 201) {
            throw new IllegalStateException("opening " + owner + ": " + answer.status() + " " + answer.body());
        }
        return answer.json().getString("id");
    }

    String fundingClearing() throws IOException {
        return send(HttpRequest.newBuilder(wallet.resolve("/v1/internal/accounts/system/funding-clearing")).GET())
                .json().getString("id");
    }

    Answer transfer(String key, String kind, String from, String to, long amount) throws IOException {
        return post("/v1/internal/transfers", key, json(Map.of("kind", kind, "legs",
                List.of(Map.of("from", from, "to", to, "amount", amount)))));
    }

    Answer reverse(String key, String transferId) throws IOException {
        return post("/v1/internal/transfers/" + transferId + "/reversals", key, "{}");
    }

    Answer hold(String key, String account, long amount) throws IOException {
        return post("/v1/internal/holds", key, json(Map.of("accountId", account, "amount", amount)));
    }

    Answer capture(String key, String holdId, String to, long amount) throws IOException {
        return post("/v1/internal/holds/" + holdId + "/capture", key,
                json(Map.of("legs", List.of(Map.of("to", to, "amount", amount)))));
    }

    Answer voidHold(String holdId) throws IOException {
        return post("/v1/internal/holds/" + holdId + "/void", null, "{}");
    }

    Answer post(String path, String idempotencyKey, String body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(wallet.resolve(path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request);
    }

    private Answer send(HttpRequest.Builder request) throws IOException {
        return send(request, token);
    }

    private Answer send(HttpRequest.Builder request, String bearer) throws IOException {
        request.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A new connection to the wallet database, as the superuser of the stack's PostgreSQL. */
    static Connection database(LocalStack stack) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + stack.postgresPort() + "/"
                + Service.WALLET.database(), "postgres", "");
    }

    private static String json(Map<String, Object> body) {
        return JsonOutput.toJson(body); // groovy-json comes with rest-assured's JsonPath
    }
}
