package io.kessai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** The wallet-service calls the benchmark makes, through one HTTP/1.1 client that keeps its connections alive. */
final class WalletClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final URI walletUrl;
    private final ServiceToken token;

    WalletClient(HttpClient http, URI walletUrl, ServiceToken token) {
        this.http = http;
        this.walletUrl = walletUrl;
        this.token = token;
    }

    /** An HTTP/1.1 client (one connection per client when requests are sent one at a time). */
    static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Creates (or finds) a customer's account and returns its id. */
    String customerAccount(String userId) throws IOException, InterruptedException {
        return accountId(post("/v1/internal/accounts/customers", "{\"userId\":\"" + userId + "\"}", null));
    }

    /** Creates (or finds) a merchant's account with {@code subAccounts} sub-accounts and returns its id. */
    String merchantAccount(String merchantId, int subAccounts) throws IOException, InterruptedException {
        String body = "{\"merchantId\":\"" + merchantId + "\",\"subAccounts\":" + subAccounts + "}";
        return accountId(post("/v1/internal/accounts/merchants", body, null));
    }

    /** The system account that top-ups are paid from. */
    String fundingClearingAccount() throws IOException, InterruptedException {
        HttpRequest request = authorized("/v1/internal/accounts/system/funding-clearing").GET().build();
        return accountId(http.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    /** Posts a one-leg transfer of {@code amountYen} JPY under a fresh idempotency key; 201 means booked. */
    HttpResponse<String> transfer(String kind, String reference, String from, String to, long amountYen)
            throws IOException, InterruptedException {
        return http.send(transferRequest(kind, reference, from, to, amountYen), HttpResponse.BodyHandlers.ofString());
    }

    /** The request {@link #transfer} sends, for a load generator to send on its own connection. */
    HttpRequest transferRequest(String kind, String reference, String from, String to, long amountYen) {
        String body = """
                {"kind":"%s","reference":"%s","legs":[{"from":"%s","to":"%s","amount":%d,"currency":"JPY"}]}"""
                .formatted(kind, reference, from, to, amountYen);
        return postRequest("/v1/internal/transfers", body, UUID.randomUUID().toString());
    }

    /** A batch of one-leg transfers ({@code POST /v1/internal/transfers/batch}), each under a key of its own. */
    HttpRequest batchRequest(String kind, String reference, List<String[]> fromTo, long amountYen) {
        StringBuilder body = new StringBuilder("{\"transfers\":[");
        for (int i = 0; i < fromTo.size(); i++) {
            body.append(i == 0 ? "" : ",").append("""
                    {"idempotencyKey":"%s","transfer":{"kind":"%s","reference":"%s-%d","legs":[{"from":"%s","to":"%s",\
                    "amount":%d,"currency":"JPY"}]}}""".formatted(UUID.randomUUID(), kind, reference, i,
                    fromTo.get(i)[0], fromTo.get(i)[1], amountYen));
        }
        return postRequest("/v1/internal/transfers/batch", body.append("]}").toString(), null);
    }

    private HttpResponse<String> post(String path, String json, String idempotencyKey)
            throws IOException, InterruptedException {
        return http.send(postRequest(path, json, idempotencyKey), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest postRequest(String path, String json, String idempotencyKey) {
        HttpRequest.Builder request = authorized(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.build();
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(walletUrl.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", token.authorization());
    }

    private static String accountId(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status != 200 && status != 201) {
            throw unexpected(response);
        }
        return Json.field(response.body(), "id");
    }

    /** A one-line failure that says what was asked and what came back, with a hint for the likely cause. */
    static BenchmarkException unexpected(HttpResponse<String> response) {
        HttpRequest request = response.request();
        String hint = response.statusCode() == 404 || response.statusCode() == 405
                ? " (does the packaged wallet-service have this API yet? rebuild it: ./kessai build)"
                : "";
        return new BenchmarkException(request.method() + " " + request.uri().getPath() + " answered "
                + response.statusCode() + ": " + Json.abbreviate(response.body(), 300) + hint);
    }
}
