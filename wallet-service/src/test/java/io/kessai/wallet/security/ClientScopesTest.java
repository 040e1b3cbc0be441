package io.kessai.wallet.security;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.OPS_CONSOLE;
import static io.kessai.wallet.WalletApi.asOps;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.leg;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.opsToken;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.tokenOf;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.transfer;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Issue 12, finding 1: every service client could mint money. With notification-service's secret a top-up from
 * funding clearing into any wallet answered 201 and a frozen wallet could be unfrozen; an ops token could post and
 * reverse transfers. Each attack is replayed here with the token auth-service now issues that client, and refused with
 * nothing moved. The kind rules behind the scopes (only a top-up debits funding clearing) are proven alongside.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ClientScopesTest {

    String victimUser;
    String victim;
    String shop;
    String clearing;

    @BeforeEach
    void accounts() {
        victimUser = unique("victim");
        victim = openCustomer(victimUser);
        shop = openMerchant(unique("shop"));
        clearing = systemAccount("funding-clearing");
        topUp(victim, 5_000);
    }

    @Test
    void notificationServicesClientCannotTopUpAWallet() {
        long clearingBefore = balance(clearing);
        String key = UUID.randomUUID().toString();
        expectProblem(postAs(tokenOf(Scopes.NOTIFICATION_SERVICE), key,
                transfer("topup", List.of(leg(clearing, victim, 1_000_000)))), 403, "forbidden");
        assertEquals(5_000, balance(victim));
        assertEquals(clearingBefore, balance(clearing));
        assertEquals(0, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
    }

    @Test
    void notificationServicesClientCannotUnfreezeAFrozenWallet() {
        asOps().body(Map.of("reason", "stolen phone")).post("/v1/internal/accounts/" + victim + "/freeze").then()
                .statusCode(200);
        String notification = tokenOf(Scopes.NOTIFICATION_SERVICE);
        expectProblem(given().auth().oauth2(notification).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/internal/accounts/" + victim + "/unfreeze").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(notification).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/internal/accounts/customers/" + victimUser + "/unfreeze").then(), 403, "forbidden");
        assertEquals(1, count("SELECT count(*) FROM account_shard WHERE account_id = '" + victim
                + "' AND status = 'frozen'"));
        expectProblem(move("payment", victim, shop, 1), 409, "account-frozen");
    }

    @Test
    void anOpsTokenCannotPostOrReverseATransfer() {
        String payment = move("payment", victim, shop, 1_200).statusCode(201).extract().path("id");
        long clearingBefore = balance(clearing);
        String key = UUID.randomUUID().toString();
        expectProblem(postAs(opsToken(), key, transfer("topup", List.of(leg(clearing, victim, 50_000)))), 403,
                "forbidden");
        // Configured as docs/operations.md used to (roles service,ops), an ops tool's token still holds no scope;
        // auth-service now refuses to start with such a client at all.
        String serviceAndOps = TestIssuer.tokens().token(OPS_CONSOLE, "service", "ops");
        expectProblem(postAs(serviceAndOps, key, transfer("topup", List.of(leg(clearing, victim, 50_000)))), 403,
                "forbidden");
        expectProblem(given().auth().oauth2(opsToken()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of()).post("/v1/internal/transfers/" + payment + "/reversals").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(opsToken()).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("accountId", victim, "amount", 100)).post("/v1/internal/holds").then(), 403,
                "forbidden");
        assertEquals(3_800, balance(victim));
        assertEquals(1_200, balance(shop));
        assertEquals(clearingBefore, balance(clearing));
        assertEquals(0, count("SELECT count(*) FROM transfer WHERE idempotency_key = '" + key + "'"));
        // What ops may do there: read, and freeze.
        asOps().get("/v1/internal/transfers/" + payment).then().statusCode(200);
        asOps().body(Map.of("reason", "review")).post("/v1/internal/accounts/" + victim + "/freeze").then()
                .statusCode(200);
    }

    @Test
    void eachKindNeedsItsOwnScope() {
        String payer = TestIssuer.tokens().serviceToken("payments-only", Set.of(Scopes.WALLET_TRANSFERS_PAYMENT,
                Scopes.WALLET_HOLDS_WRITE));
        long clearingBefore = balance(clearing);
        expectProblem(postAs(payer, UUID.randomUUID().toString(),
                transfer("topup", List.of(leg(clearing, victim, 100)))), 403, "forbidden")
                .body("detail", containsString(Scopes.WALLET_TRANSFERS_TOPUP));
        expectProblem(postAs(payer, UUID.randomUUID().toString(),
                transfer("refund", List.of(leg(shop, victim, 100)))), 403, "forbidden");
        postAs(payer, UUID.randomUUID().toString(), transfer("payment", List.of(leg(victim, shop, 100))))
                .statusCode(201);

        // A capture posts a transfer too: its kind needs its scope as well.
        String hold = given().auth().oauth2(payer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("accountId", victim, "amount", 500)).post("/v1/internal/holds").then().statusCode(201)
                .extract().path("id");
        String friend = openCustomer(unique("friend"));
        expectProblem(given().auth().oauth2(payer).contentType(ContentType.JSON)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("kind", "p2p", "legs", List.of(Map.of("to", friend, "amount", 500))))
                .post("/v1/internal/holds/" + hold + "/capture").then(), 403, "forbidden")
                .body("detail", containsString(Scopes.WALLET_TRANSFERS_P2P));
        assertEquals(4_900, balance(victim));
        assertEquals(0, balance(friend));
        assertEquals(100, balance(shop));
        assertEquals(clearingBefore, balance(clearing));
    }

    @Test
    void onlyATopUpDebitsFundingClearing() {
        // payment-service holds the payment, refund and P2P scopes: none of them lets it take money from funding
        // clearing or any other system account, which may go negative and would create money.
        String fees = systemAccount("fees");
        long clearingBefore = balance(clearing);
        long feesBefore = balance(fees);
        expectProblem(move("payment", clearing, shop, 1_000), 422, "kind-mismatch")
                .body("errors[0].field", equalTo("legs[0].from"));
        expectProblem(move("p2p", clearing, victim, 1_000), 422, "kind-mismatch");
        expectProblem(move("refund", fees, victim, 1_000), 422, "kind-mismatch");
        expectProblem(move("refund", clearing, victim, 1_000), 422, "kind-mismatch");
        // And each kind goes where it says: a top-up only into a customer wallet, a refund only back to one.
        expectProblem(move("topup", clearing, shop, 1_000), 422, "kind-mismatch")
                .body("errors[0].field", equalTo("legs[0].to"));
        expectProblem(move("topup", victim, openCustomer(unique("accomplice")), 1_000), 422, "kind-mismatch");
        expectProblem(move("p2p", victim, shop, 1_000), 422, "kind-mismatch");
        assertEquals(5_000, balance(victim));
        assertEquals(0, balance(shop));
        assertEquals(clearingBefore, balance(clearing));
        assertEquals(feesBefore, balance(fees));

        // A correction needs a scope no client holds by default; with it, any accounts.
        String corrector = TestIssuer.tokens().serviceToken("ledger-corrections",
                Set.of(Scopes.WALLET_TRANSFERS_ADJUSTMENT));
        postAs(corrector, UUID.randomUUID().toString(), transfer("adjustment", List.of(leg(clearing, victim, 10))))
                .statusCode(201);
        assertEquals(5_010, balance(victim));
    }

    @Test
    void whoamiShowsTheScopesAServiceWasGranted() {
        given().auth().oauth2(tokenOf(Scopes.AUTH_SERVICE)).get("/v1/internal/whoami").then().statusCode(200)
                .body("subject", equalTo("auth-service")).body("roles", equalTo(List.of("service")))
                .body("scopes", equalTo(List.copyOf(Scopes.grantedByDefault(Scopes.AUTH_SERVICE))));
        given().auth().oauth2(tokenOf(Scopes.NOTIFICATION_SERVICE)).get("/v1/internal/whoami").then()
                .statusCode(200).body("scopes", equalTo(List.of()));
    }

    private static ValidatableResponse postAs(String token, String key, Object body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/v1/internal/transfers").then();
    }
}
