package io.kessai.wallet;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Drives wallet-service's API as its callers do (payment-service, ops, customers, merchants) and reads its database. */
public final class WalletApi {

    public static final String PAYMENT_SERVICE = "payment-service";

    private WalletApi() {
    }

    public static String serviceToken() {
        return TestIssuer.tokens().token(PAYMENT_SERVICE, "service");
    }

    public static String opsToken() {
        return TestIssuer.tokens().token("ops-alice", "ops");
    }

    public static RequestSpecification asService() {
        return given().auth().oauth2(serviceToken()).contentType(ContentType.JSON);
    }

    public static RequestSpecification asOps() {
        return given().auth().oauth2(opsToken()).contentType(ContentType.JSON);
    }

    public static RequestSpecification asCustomer(String userId) {
        return given().auth().oauth2(TestIssuer.tokens().token(userId, "customer"));
    }

    public static RequestSpecification asMerchant(String merchantId) {
        return given().auth().oauth2(TestIssuer.tokens().token(merchantId, "merchant"));
    }

    /**
     * A fresh owner id. The whole UUID, not a slice of it: owner ids of every test in the shared application land in
     * one database, and eight hex digits collide often enough (birthday bound) to open "a new" account that another
     * test already owns.
     */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    public static String openCustomer(String userId) {
        return asService().body(Map.of("userId", userId)).post("/v1/internal/accounts/customers").then()
                .statusCode(201).extract().path("id");
    }

    public static String openMerchant(String merchantId) {
        return asService().body(Map.of("merchantId", merchantId)).post("/v1/internal/accounts/merchants").then()
                .statusCode(201).extract().path("id");
    }

    public static String systemAccount(String code) {
        return asService().get("/v1/internal/accounts/system/" + code).then().statusCode(200).extract().path("id");
    }

    public static Map<String, Object> leg(String from, String to, long amount) {
        return Map.of("from", from, "to", to, "amount", amount, "currency", "JPY");
    }

    public static Map<String, Object> transfer(String kind, List<Map<String, Object>> legs) {
        return Map.of("kind", kind, "reference", "ref-" + UUID.randomUUID(), "legs", legs);
    }

    public static ValidatableResponse post(String key, Object body) {
        return asService().header("Idempotency-Key", key).body(body).post("/v1/internal/transfers").then();
    }

    public static ValidatableResponse move(String kind, String from, String to, long amount) {
        return post(UUID.randomUUID().toString(), transfer(kind, List.of(leg(from, to, amount))));
    }

    /** Tops a wallet up from funding clearing and answers the transfer id. */
    public static String topUp(String customerAccount, long amount) {
        return move("topup", systemAccount("funding-clearing"), customerAccount, amount).statusCode(201).extract()
                .path("id");
    }

    public static long balance(String accountId) {
        return ((Number) asService().get("/v1/internal/accounts/" + accountId).then().statusCode(200).extract()
                .path("balance.amount")).longValue();
    }

    public static long available(String accountId) {
        return ((Number) asService().get("/v1/internal/accounts/" + accountId).then().statusCode(200).extract()
                .path("available.amount")).longValue();
    }

    /** Runs the ops invariant check and answers its report. */
    public static Map<String, Object> invariants() {
        return asOps().get("/v1/ops/ledger/invariants").then().statusCode(200).extract().jsonPath().getMap("");
    }

    /** The first column of the first row of a query against the service's database (null when no row). */
    public static String queryText(String sql) {
        return TestDatabase.queryText(sql);
    }

    public static long count(String sql) {
        return TestDatabase.count(sql);
    }

    public static void execute(String sql) {
        TestDatabase.execute(sql);
    }
}
