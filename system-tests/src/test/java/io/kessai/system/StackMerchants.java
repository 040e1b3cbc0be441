package io.kessai.system;

import static io.kessai.system.StackSmokeIT.opsToken;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * A merchant as its owner gets one through the running services: the application at payment-service, the approval by
 * ops, and the merchant's ledger account at wallet-service, which payment-service's outbox opens after the approval;
 * its till, signed in with a credential the owner makes; a customer paying it; and the ledger as a journey checks it:
 * funding a wallet, balances and the invariant check.
 */
final class StackMerchants {

    /** An approved merchant with one store, whose ledger account is open. */
    record Merchant(String merchantId, String storeId, String displayName) {
    }

    private StackMerchants() {
    }

    /** The owner applies (with an Idempotency-Key), ops approve, and the ledger account is awaited. */
    static Merchant approved(StackUsers.User owner, String displayName) {
        JsonPath applied = given().baseUri(url(Service.PAYMENT)).auth().oauth2(owner.accessToken())
                .header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON)
                .body(Map.of("legalName", "株式会社" + displayName, "displayName", displayName, "city", "Tokyo",
                        "categoryCode", "5812", "stores", List.of(Map.of("name", "Shibuya"))))
                .post("/v1/merchants").then().statusCode(201).body("status", equalTo("pending_review"))
                .body("stores", hasSize(1)).extract().jsonPath();
        String merchantId = applied.getString("id");
        given().baseUri(url(Service.PAYMENT)).auth().oauth2(opsToken())
                .post("/v1/ops/merchants/" + merchantId + "/approval").then().statusCode(200)
                .body("status", equalTo("active"));
        Eventually.until("the ledger account of merchant " + merchantId + " is opened through the outbox",
                Duration.ofSeconds(60), () -> ((List<?>) given().baseUri(url(Service.WALLET))
                        .auth().oauth2(opsToken()).get("/v1/internal/accounts/merchants/" + merchantId)
                        .then().statusCode(200).extract().path("$")).size() == 1);
        return new Merchant(merchantId, applied.getString("stores[0].id"), displayName);
    }

    /**
     * The owner, stepped up, makes a till credential for the merchant's store once auth-service holds the approved
     * merchant (payment-service's outbox tells it), and the till signs in with it: client credentials.
     */
    static String tillToken(StackUsers.User owner, StackMerchants.Merchant merchant) throws Exception {
        String tills = "/v1/me/merchants/" + merchant.merchantId() + "/tills";
        Eventually.until("auth-service holds the approved merchant " + merchant.merchantId(), Duration.ofSeconds(60),
                () -> given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", owner.address())
                        .auth().oauth2(owner.accessToken()).get(tills).statusCode() == 200);
        JsonPath till = given().baseUri(url(Service.AUTH)).header("X-Forwarded-For", owner.address())
                .auth().oauth2(StackUsers.stepUp(owner)).contentType(ContentType.JSON)
                .body(Map.of("storeId", merchant.storeId(), "terminalId", "till-1", "label", "Counter by the door"))
                .post(tills).then().statusCode(201).body("merchantId", equalTo(merchant.merchantId()))
                .body("storeId", equalTo(merchant.storeId())).body("clientId", startsWith("till-"))
                .extract().jsonPath();
        String token = given().baseUri(url(Service.AUTH)).auth().preemptive()
                .basic(till.getString("clientId"), till.getString("clientSecret"))
                .formParam("grant_type", "client_credentials").post("/oauth2/token")
                .then().statusCode(200).extract().path("access_token");
        JsonPath claims = JsonPath.from(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                StandardCharsets.UTF_8));
        assertEquals(merchant.merchantId(), claims.getString("merchant_id"));
        assertEquals(merchant.storeId(), claims.getString("store_id"));
        assertEquals("till-1", claims.getString("terminal_id"));
        return token;
    }

    /** The customer pays under a new Idempotency-Key; the payment completes at once. */
    static JsonPath pay(StackUsers.User customer, Map<String, Object> body) {
        return given().baseUri(url(Service.PAYMENT)).auth().oauth2(customer.accessToken())
                .header("Idempotency-Key", UUID.randomUUID().toString()).contentType(ContentType.JSON).body(body)
                .post("/v1/payments").then().statusCode(201).body("status", equalTo("COMPLETED")).extract()
                .jsonPath();
    }

    /** An amount in yen as the APIs take it. */
    static Map<String, Object> yen(long amount) {
        return Map.of("amount", amount, "currency", "JPY");
    }

    /** A top-up of the customer's wallet from funding clearing, as payment-service posts one. */
    static void fund(String userId, long amount) {
        String service = serviceToken(Service.PAYMENT);
        String clearing = given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                .get("/v1/internal/accounts/system/funding-clearing").then().statusCode(200).extract().path("id");
        String wallet = given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                .get("/v1/internal/accounts/customers/" + userId).then().statusCode(200).extract().path("[0].id");
        given().baseUri(url(Service.WALLET)).auth().oauth2(service).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("kind", "topup", "reference", "journey", "legs",
                        List.of(Map.of("from", clearing, "to", wallet, "amount", amount, "currency", "JPY"))))
                .post("/v1/internal/transfers").then().statusCode(201);
    }

    /** The customer's balance as the customer's app reads it, with the customer's own token. */
    static long customerBalance(StackUsers.User customer) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(customer.accessToken()).get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(1)).extract().<Number>path("[0].balance.amount")
                .longValue();
    }

    /** The merchant's balance (the sum of its sub-accounts), as ops read it. */
    static long merchantBalance(Merchant merchant) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(opsToken())
                .get("/v1/internal/accounts/merchants/" + merchant.merchantId()).then().statusCode(200)
                .body("$", hasSize(1)).extract().<Number>path("[0].balance.amount").longValue();
    }

    /** Asserts the customer's and the merchant's balances, after a step named {@code when}. */
    static void assertBalances(String when, StackUsers.User customer, long customerYen, Merchant merchant,
            long merchantYen) {
        assertEquals(customerYen, customerBalance(customer), "the customer's balance " + when);
        assertEquals(merchantYen, merchantBalance(merchant), "the merchant's balance " + when);
    }

    /** wallet-service's full invariant check, as ops run it: every rule holds, with nothing to report. */
    static void assertLedgerInvariantsHold() {
        given().baseUri(url(Service.WALLET)).auth().oauth2(opsToken()).get("/v1/ops/ledger/invariants")
                .then().statusCode(200).body("ok", equalTo(true)).body("discrepancies", hasSize(0));
    }
}
