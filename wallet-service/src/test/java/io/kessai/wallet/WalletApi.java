package io.kessai.wallet;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.kessai.common.security.Scopes;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * Drives wallet-service's API as its callers do (auth-service, payment-service, ops, customers, merchants), each with
 * the token auth-service issues it, and reads its database.
 */
public final class WalletApi {

    public static final String PAYMENT_SERVICE = Scopes.PAYMENT_SERVICE;
    public static final String AUTH_SERVICE = Scopes.AUTH_SERVICE;
    /** The ops tool's client: role ops and no scope, as the local stack and production configure it. */
    public static final String OPS_CONSOLE = "ops-console";

    private WalletApi() {
    }

    /** A known client's token as auth-service issues it: role service and the scopes that client is granted. */
    public static String tokenOf(String clientId) {
        return TestIssuer.tokens().serviceToken(clientId, Scopes.grantedByDefault(clientId));
    }

    /** payment-service's token: it posts payments, refunds, top-ups and P2P transfers, reserves and reads. */
    public static String serviceToken() {
        return tokenOf(PAYMENT_SERVICE);
    }

    /**
     * A client holding payment-service's scopes under another id (as a second payment deployment would): scopes let
     * it in, and object-level checks must still keep it from payment-service's transfers and holds.
     */
    public static String peerToken() {
        return TestIssuer.tokens().serviceToken("peer-service", Scopes.grantedByDefault(PAYMENT_SERVICE));
    }

    public static String opsToken() {
        return TestIssuer.tokens().token(OPS_CONSOLE, "ops");
    }

    public static RequestSpecification as(String clientId) {
        return given().auth().oauth2(tokenOf(clientId)).contentType(ContentType.JSON);
    }

    /** As payment-service, the caller of nearly everything here. */
    public static RequestSpecification asService() {
        return as(PAYMENT_SERVICE);
    }

    /** As auth-service: it opens customers' wallets and freezes them. */
    public static RequestSpecification asAuthService() {
        return as(AUTH_SERVICE);
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
        return asAuthService().body(Map.of("userId", userId)).post("/v1/internal/accounts/customers").then()
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
