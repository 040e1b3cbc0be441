package io.kessai.system;

import static io.kessai.system.StackSmokeIT.opsToken;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.LocalStack;
import io.kessai.stack.Service;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Issue 12, finding 1, against the running stack with the clients it provisions: notification-service's client tops
 * up nothing and unfreezes nothing, the ops client posts nothing, and a token narrowed with {@code scope} does only
 * what it names. Every token here comes from the running auth-service, as the attacker with a stolen secret would get
 * it.
 */
@ExtendWith(RunningStack.class)
class ClientScopesIT {

    private static final String PROBLEMS = "https://kessai.io/problems/";

    @Test
    void notificationServicesClientCannotTopUpOrUnfreezeAWallet() {
        String userId = "usr-" + UUID.randomUUID();
        String wallet = open(userId);
        String clearing = fundingClearing();
        long clearingBefore = balance(clearing);
        String notification = serviceToken(Service.NOTIFICATION);

        forbidden(transfer(notification, "topup", clearing, wallet, 1_000_000));
        given().baseUri(url(Service.WALLET)).auth().oauth2(opsToken()).contentType(ContentType.JSON)
                .body(Map.of("reason", "stolen phone")).post("/v1/internal/accounts/" + wallet + "/freeze").then()
                .statusCode(200).body("status", equalTo("frozen"));
        forbidden(given().baseUri(url(Service.WALLET)).auth().oauth2(notification).contentType(ContentType.JSON)
                .body(Map.of()).post("/v1/internal/accounts/customers/" + userId + "/unfreeze").then());
        forbidden(given().baseUri(url(Service.WALLET)).auth().oauth2(notification).contentType(ContentType.JSON)
                .body(Map.of()).post("/v1/internal/accounts/" + wallet + "/unfreeze").then());

        account(wallet).body("status", equalTo("frozen")).body("balance.amount", equalTo(0));
        assertEquals(clearingBefore, balance(clearing));
    }

    @Test
    void theOpsClientReadsAndFreezesButPostsNoTransfer() {
        String wallet = open("usr-" + UUID.randomUUID());
        String clearing = fundingClearing();
        long clearingBefore = balance(clearing);
        String ops = opsToken();
        given().baseUri(url(Service.WALLET)).auth().oauth2(ops).get("/v1/internal/accounts/" + wallet).then()
                .statusCode(200);
        forbidden(transfer(ops, "topup", clearing, wallet, 50_000));
        forbidden(given().baseUri(url(Service.WALLET)).auth().oauth2(ops).get("/v1/internal/whoami").then());
        // And nothing at notification-service's intake either: ops sends no OTP in a service's name.
        forbidden(given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(ops).contentType(ContentType.JSON)
                .body(Map.of()).post("/v1/internal/events").then());
        assertEquals(clearingBefore, balance(clearing));
        account(wallet).body("balance.amount", equalTo(0));
    }

    @Test
    void aTokenNarrowedWithScopeDoesOnlyWhatItNames() {
        String narrowed = given().baseUri(url(Service.AUTH)).auth().preemptive()
                .basic(Service.PAYMENT.module(), RunningStack.stack().clientSecret(Service.PAYMENT))
                .formParam("grant_type", "client_credentials").formParam("scope", "notification:events.send")
                .when().post("/oauth2/token").then().statusCode(200)
                .body("scope", equalTo("notification:events.send")).extract().path("access_token");
        given().baseUri(url(Service.WALLET)).auth().oauth2(narrowed).get("/v1/internal/whoami").then()
                .statusCode(200).body("scopes", equalTo(List.of("notification:events.send")));
        forbidden(given().baseUri(url(Service.WALLET)).auth().oauth2(narrowed)
                .get("/v1/internal/accounts/system/funding-clearing").then());
        // The full token of the same client still reads, and shows what it was granted.
        given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT)).get("/v1/internal/whoami")
                .then().statusCode(200).body("scopes", hasItem("wallet:transfers.topup"))
                .body("scopes", not(hasItem("wallet:customers.open")));
        given().baseUri(url(Service.AUTH)).auth().preemptive()
                .basic(LocalStack.OPS_CLIENT, RunningStack.stack().opsClientSecret())
                .formParam("grant_type", "client_credentials").formParam("scope", "wallet:transfers.topup")
                .when().post("/oauth2/token").then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    private static String open(String userId) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.AUTH))
                .contentType(ContentType.JSON).body(Map.of("userId", userId))
                .post("/v1/internal/accounts/customers").then().statusCode(201).extract().path("id");
    }

    private static String fundingClearing() {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                .get("/v1/internal/accounts/system/funding-clearing").then().statusCode(200).extract().path("id");
    }

    private static ValidatableResponse account(String id) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(serviceToken(Service.PAYMENT))
                .get("/v1/internal/accounts/" + id).then().statusCode(200);
    }

    private static long balance(String id) {
        return ((Number) account(id).extract().path("balance.amount")).longValue();
    }

    private static ValidatableResponse transfer(String token, String kind, String from, String to, long amount) {
        return given().baseUri(url(Service.WALLET)).auth().oauth2(token).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("kind", kind, "legs", List.of(Map.of("from", from, "to", to, "amount", amount))))
                .post("/v1/internal/transfers").then();
    }

    private static void forbidden(ValidatableResponse response) {
        response.statusCode(403).body("type", equalTo(PROBLEMS + "forbidden"));
    }
}
