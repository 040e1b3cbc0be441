package io.kessai.payment.shed;

import static io.restassured.RestAssured.given;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.kessai.testing.TestIssuer;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * An approved merchant with one store, a till there and the store's static code, for tests that pay and read while
 * load is shed or the ledger is away; requests that must stay in flight go out on their own ({@link #send}).
 */
public record Shop(String merchantId, String storeId, String till, String storeCode) {

    private static final String APPLICATION = """
            {"legalName": "株式会社ひなた商店", "displayName": "ひなた商店", "city": "Osaka", "categoryCode": "5411",
             "stores": [{"name": "Umeda"}]}""";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static Shop open() {
        String owner = "owner-" + UUID.randomUUID();
        String id = as(TestIssuer.tokens().token(owner, "merchant"))
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION).post("/v1/merchants").then()
                .statusCode(201).extract().path("id");
        JsonPath approved = as(TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops"))
                .post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract().jsonPath();
        String store = approved.getString("stores[0].id");
        String till = TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, store, "T1");
        String code = as(till).get("/v1/store-code").then().statusCode(200).extract().path("payload");
        return new Shop(id, store, till, code);
    }

    public static String customer() {
        return TestIssuer.tokens().token("cust-" + UUID.randomUUID(), "customer");
    }

    /** The body of a payment of {@code amount} yen at this store's static code. */
    public String payment(long amount) {
        return new JsonObject(Map.of("payload", storeCode, "amount", Map.of("amount", amount, "currency", "JPY")))
                .encode();
    }

    /** Pays the store's static code, on RestAssured (and so waiting for the answer). */
    public io.restassured.response.ValidatableResponse pay(String customer, String key, long amount) {
        return as(customer).header("Idempotency-Key", key).body(payment(amount)).post("/v1/payments").then();
    }

    /** Pays the store's static code without waiting: the answer arrives when it arrives. */
    public CompletableFuture<HttpResponse<String>> payLater(String customer, long amount) {
        return send(HttpRequest.newBuilder(uri("/v1/payments")).header("Authorization", "Bearer " + customer)
                .header("Idempotency-Key", UUID.randomUUID().toString()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payment(amount))));
    }

    /** A GET with this token, without waiting. */
    public static CompletableFuture<HttpResponse<String>> getLater(String token, String path) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).GET());
    }

    public static CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
        return HTTP.sendAsync(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The running application (RestAssured knows its port only once it has started). */
    public static URI uri(String path) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
    }
}
