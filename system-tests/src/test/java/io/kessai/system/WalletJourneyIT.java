package io.kessai.system;

import static io.kessai.system.StackSmokeIT.currentSigningKey;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.TokenMinter;
import io.restassured.http.ContentType;

/**
 * The wallet journey across real processes: auth-service's client (as on activation) opens a customer's wallet with a
 * client-credentials token from the running auth-service, payment-service's tops it up, and the customer reads it with
 * a token signed by that same auth-service's key. Until customer login lands (issue 5) the customer's token is minted with the running
 * issuer's real signing key, which is exactly what wallet-service verifies.
 */
@ExtendWith(RunningStack.class)
class WalletJourneyIT {

    @Test
    void aServiceOpensAWalletAndItsCustomerReadsBalanceZeroThenATopUp() throws Exception {
        String userId = "usr-" + UUID.randomUUID();
        String opener = serviceToken(Service.AUTH);
        String service = serviceToken(Service.PAYMENT);
        String wallet = given().baseUri(url(Service.WALLET)).auth().oauth2(opener).contentType(ContentType.JSON)
                .body(Map.of("userId", userId)).when().post("/v1/internal/accounts/customers")
                .then().statusCode(201).body("balance.amount", equalTo(0)).extract().path("id");
        // Opening again (a retry after a lost answer) finds the same wallet.
        given().baseUri(url(Service.WALLET)).auth().oauth2(opener).contentType(ContentType.JSON)
                .body(Map.of("userId", userId)).when().post("/v1/internal/accounts/customers")
                .then().statusCode(200).body("id", equalTo(wallet));

        TokenMinter issuer = TokenMinter.fromJwkFile(currentSigningKey(), RunningStack.stack().issuer());
        String customer = issuer.token(userId, "customer");
        given().baseUri(url(Service.WALLET)).auth().oauth2(customer).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(1)).body("[0].id", equalTo(wallet))
                .body("[0].balance.amount", equalTo(0)).body("[0].balance.currency", equalTo("JPY"))
                .body("[0].available.amount", equalTo(0));

        String clearing = given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                .when().get("/v1/internal/accounts/system/funding-clearing").then().statusCode(200).extract()
                .path("id");
        given().baseUri(url(Service.WALLET)).auth().oauth2(service).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("kind", "topup", "reference", "journey", "legs",
                        List.of(Map.of("from", clearing, "to", wallet, "amount", 3000, "currency", "JPY"))))
                .when().post("/v1/internal/transfers").then().statusCode(201);
        given().baseUri(url(Service.WALLET)).auth().oauth2(customer).when().get("/v1/accounts/" + wallet + "/entries")
                .then().statusCode(200).body("items", hasSize(1)).body("items[0].kind", equalTo("topup"))
                .body("items[0].balanceAfter", equalTo(3000));

        // Someone else's token, even a valid one, does not see the wallet.
        given().baseUri(url(Service.WALLET)).auth().oauth2(issuer.token("usr-someone-else", "customer"))
                .when().get("/v1/accounts/" + wallet).then().statusCode(404)
                .body("type", equalTo("https://kessai.io/problems/account-not-found"));
        given().baseUri(url(Service.WALLET)).auth().oauth2(issuer.tokenSignedByStranger(userId, "customer"))
                .when().get("/v1/accounts/" + wallet).then().statusCode(401);
        given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                .when().get("/v1/ops/ledger/invariants").then().statusCode(403);
    }
}
