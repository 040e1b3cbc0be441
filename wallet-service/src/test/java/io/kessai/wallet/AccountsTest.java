package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.asAuthService;
import static io.kessai.wallet.WalletApi.asCustomer;
import static io.kessai.wallet.WalletApi.asMerchant;
import static io.kessai.wallet.WalletApi.asOps;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.count;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class AccountsTest {

    @Test
    void openingACustomerWalletIsIdempotentAndStartsAtZero() {
        String user = unique("user");
        String id = asAuthService().body(Map.of("userId", user)).post("/v1/internal/accounts/customers").then()
                .statusCode(201).body("kind", equalTo("customer")).body("ownerId", equalTo(user))
                .body("currency", equalTo("JPY")).body("status", equalTo("active"))
                .body("subAccounts", equalTo(1)).body("balance.amount", equalTo(0))
                .body("available.amount", equalTo(0)).extract().path("id");
        asAuthService().body(Map.of("userId", user)).post("/v1/internal/accounts/customers").then().statusCode(200)
                .body("id", equalTo(id));
        assertEquals(1, count("SELECT count(*) FROM account WHERE owner_id = '" + user + "'"));
        asService().get("/v1/internal/accounts/customers/" + user).then().statusCode(200).body("$", hasSize(1))
                .body("[0].id", equalTo(id));
    }

    @Test
    void aMerchantAccountSpreadsOverSubAccounts() {
        String merchant = unique("shop");
        asService().body(Map.of("merchantId", merchant)).post("/v1/internal/accounts/merchants").then()
                .statusCode(201).body("subAccounts", equalTo(16));
        String small = asService().body(Map.of("merchantId", unique("kiosk"), "subAccounts", 2))
                .post("/v1/internal/accounts/merchants").then().statusCode(201).body("subAccounts", equalTo(2))
                .extract().path("id");
        assertEquals(2, count("SELECT count(*) FROM account_shard WHERE account_id = '" + small + "'"));
        expectProblem(asService().body(Map.of("merchantId", unique("x"), "subAccounts", 65))
                .post("/v1/internal/accounts/merchants").then(), 400, "validation-failed");
    }

    @Test
    void systemAccountsExistAndMayGoNegative() {
        String clearing = asService().get("/v1/internal/accounts/system/funding-clearing").then().statusCode(200)
                .body("kind", equalTo("system")).extract().path("id");
        topUp(openCustomer(unique("u")), 100);
        asService().get("/v1/internal/accounts/" + clearing).then().statusCode(200);
        assertTrue(
                count("SELECT count(*) FROM account_shard WHERE account_id = '" + clearing + "' AND balance < 0") > 0,
                "funding clearing is below zero after a top-up");
        expectProblem(asService().get("/v1/internal/accounts/system/vault").then(), 404, "account-not-found");
    }

    @Test
    void badOpenRequestsAreRefusedAndOpenNothing() {
        // Counted by the owner ids this test sends, not over the whole account table, which every other test in the
        // shared application also writes to. The other two bodies name no owner, and an account cannot exist without
        // one (owner_id is NOT NULL).
        String spaced = unique("user") + " has spaces";
        String yen = unique("user");
        String ours = "SELECT count(*) FROM account WHERE owner_id IN ('" + spaced + "', '" + yen + "')";
        assertEquals(0, count(ours));
        expectProblem(asAuthService().body(Map.of("userId", spaced)).post("/v1/internal/accounts/customers")
                .then(), 400, "validation-failed");
        expectProblem(asAuthService().body(Map.of()).post("/v1/internal/accounts/customers").then(), 400,
                "validation-failed");
        expectProblem(asAuthService().body(Map.of("userId", yen, "currency", "yen"))
                .post("/v1/internal/accounts/customers").then(), 400, "validation-failed");
        expectProblem(asAuthService().body("{\"userId\": ").post("/v1/internal/accounts/customers").then(), 400,
                "malformed-body");
        assertEquals(0, count(ours));
    }

    @Test
    void onlyTheServicesThatOpenAccountsOpenThem() {
        String user = unique("user");
        // payment-service opens merchants' accounts, never customers' wallets; ops opens nothing.
        expectProblem(asService().body(Map.of("userId", user)).post("/v1/internal/accounts/customers").then(), 403,
                "forbidden");
        expectProblem(asOps().body(Map.of("userId", user)).post("/v1/internal/accounts/customers").then(), 403,
                "forbidden");
        expectProblem(asAuthService().body(Map.of("merchantId", user)).post("/v1/internal/accounts/merchants")
                .then(), 403, "forbidden");
        assertEquals(0, count("SELECT count(*) FROM account WHERE owner_id = '" + user + "'"));
        expectProblem(asCustomer("u1").contentType(ContentType.JSON).body(Map.of("userId", "u1"))
                .post("/v1/internal/accounts/customers").then(), 403, "forbidden");
        expectProblem(given().contentType(ContentType.JSON).body(Map.of("userId", "u1"))
                .post("/v1/internal/accounts/customers").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().expiredToken("payment-service", "service"))
                .contentType(ContentType.JSON).body(Map.of("userId", "u1"))
                .post("/v1/internal/accounts/customers").then(), 401, "unauthorized");
    }

    @Test
    void aCustomerReadsItsOwnWalletAndNobodyElses() {
        String user = unique("user");
        String wallet = openCustomer(user);
        topUp(wallet, 2_500);
        asCustomer(user).get("/v1/accounts").then().statusCode(200).body("$", hasSize(1))
                .body("[0].id", equalTo(wallet)).body("[0].balance.amount", equalTo(2500));
        asCustomer(user).get("/v1/accounts/" + wallet).then().statusCode(200)
                .body("available.amount", equalTo(2500));

        String stranger = unique("stranger");
        openCustomer(stranger);
        expectProblem(asCustomer(stranger).get("/v1/accounts/" + wallet).then(), 404, "account-not-found");
        expectProblem(asCustomer(stranger).get("/v1/accounts/" + wallet + "/entries").then(), 404,
                "account-not-found");
        expectProblem(asCustomer(user).get("/v1/accounts/" + UUID.randomUUID()).then(), 404, "account-not-found");
        // A merchant whose id happens to equal the user's id still does not see a customer wallet.
        expectProblem(asMerchant(user).get("/v1/accounts/" + wallet).then(), 404, "account-not-found");
        expectProblem(asCustomer(user).get("/v1/internal/accounts/" + wallet).then(), 403, "forbidden");
        expectProblem(given().get("/v1/accounts").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token(user)).get("/v1/accounts").then(), 403,
                "forbidden");
    }

    @Test
    void aMerchantReadsItsOwnAccount() {
        String merchant = unique("shop");
        String account = openMerchant(merchant);
        String payer = openCustomer(unique("payer"));
        topUp(payer, 1_000);
        move("payment", payer, account, 400).statusCode(201);
        asMerchant(merchant).get("/v1/accounts").then().statusCode(200).body("[0].balance.amount", equalTo(400));
        asMerchant(merchant).get("/v1/accounts/" + account).then().statusCode(200).body("kind", equalTo("merchant"));
        expectProblem(asMerchant(unique("rival")).get("/v1/accounts/" + account).then(), 404, "account-not-found");
        expectProblem(asMerchant(merchant).get("/v1/accounts/" + payer).then(), 404, "account-not-found");
    }

    @Test
    void freezingAUserFreezesItsWalletsAtOnce() {
        String user = unique("user");
        String wallet = openCustomer(user);
        asAuthService().body(Map.of("reason", "ops froze the user")).post("/v1/internal/accounts/customers/" + user
                + "/freeze").then().statusCode(200).body("[0].status", equalTo("frozen"));
        assertEquals(1, count("SELECT count(*) FROM account_shard WHERE account_id = '" + wallet
                + "' AND status = 'frozen'"));
        asOps().body(Map.of()).post("/v1/internal/accounts/customers/" + user + "/unfreeze").then().statusCode(200)
                .body("[0].status", equalTo("active"));
        expectProblem(asCustomer(user).contentType(ContentType.JSON).body(Map.of())
                .post("/v1/internal/accounts/" + wallet + "/freeze").then(), 403, "forbidden");
        expectProblem(asOps().body(Map.of()).post("/v1/internal/accounts/" + UUID.randomUUID() + "/freeze").then(),
                404, "account-not-found");
    }
}
