package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.wallet.WalletApi.asCustomer;
import static io.kessai.wallet.WalletApi.asMerchant;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.queryText;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class HistoryTest {

    String user;
    String wallet;
    String merchant;
    String shop;

    @BeforeEach
    void history() {
        user = unique("user");
        wallet = openCustomer(user);
        merchant = unique("shop");
        shop = openMerchant(merchant);
        topUp(wallet, 10_000);
        for (int i = 1; i <= 7; i++) {
            move("payment", wallet, shop, i * 100).statusCode(201);
        }
        move("refund", shop, wallet, 50).statusCode(201);
    }

    @Test
    void aCustomerPagesThroughItsHistoryNewestFirstWithRunningBalances() {
        List<Long> amounts = new ArrayList<>();
        List<Long> balances = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = asCustomer(user).queryParam("limit", 3);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/v1/accounts/" + wallet + "/entries").then().statusCode(200).extract()
                    .jsonPath();
            page.getList("items.amount.amount", Long.class).forEach(amounts::add);
            page.getList("items.balanceAfter", Long.class).forEach(balances::add);
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertEquals(3, pages);
        assertEquals(List.of(50L, -700L, -600L, -500L, -400L, -300L, -200L, -100L, 10_000L), amounts);
        assertEquals(List.of(7_250L, 7_200L, 7_900L, 8_500L, 9_000L, 9_400L, 9_700L, 9_900L, 10_000L), balances);
    }

    @Test
    void historyFiltersByKindAndTime() {
        asCustomer(user).queryParam("kind", "refund").queryParam("kind", "topup")
                .get("/v1/accounts/" + wallet + "/entries").then().statusCode(200)
                .body("items", hasSize(2)).body("items.kind", equalTo(List.of("refund", "topup")));
        // The filter compares with created_at, which the database stamps: take "now" from the same clock, not from
        // this JVM's, which may differ from the database server's.
        OffsetDateTime now = databaseNow();
        asCustomer(user).queryParam("from", now.plusMinutes(1).toString())
                .get("/v1/accounts/" + wallet + "/entries").then().statusCode(200).body("items", hasSize(0))
                .body("nextCursor", nullValue());
        asCustomer(user).queryParam("to", now.plusMinutes(1).toString())
                .queryParam("from", now.minusMinutes(10).toString())
                .get("/v1/accounts/" + wallet + "/entries").then().statusCode(200).body("items", hasSize(9));
    }

    /** The database server's current time, as an ISO-8601 time with an offset (to_json writes that form). */
    private static OffsetDateTime databaseNow() {
        return OffsetDateTime.parse(queryText("SELECT to_json(now()) #>> '{}'"));
    }

    @Test
    void aMerchantStatementShowsSubAccountBalancesAndTheAccountBalanceComesFromTheAccount() {
        asMerchant(merchant).get("/v1/accounts/" + shop + "/entries").then().statusCode(200)
                .body("items", hasSize(8))
                .body("items.balanceAfter", everyItem(nullValue()))
                .body("items.subAccountBalanceAfter", everyItem(notNullValue()))
                .body("items[1].reference", notNullValue());
        asMerchant(merchant).get("/v1/accounts/" + shop).then().body("balance.amount", equalTo(2_750));
        asService().get("/v1/internal/accounts/" + shop + "/entries").then().statusCode(200).body("items", hasSize(8));
    }

    @Test
    void badHistoryQueriesAreRefused() {
        expectProblem(asCustomer(user).queryParam("cursor", "bm90LW91cnM")
                .get("/v1/accounts/" + wallet + "/entries").then(), 400, "invalid-cursor");
        expectProblem(asCustomer(user).queryParam("cursor", "%%%")
                .get("/v1/accounts/" + wallet + "/entries").then(), 400, "invalid-cursor");
        expectProblem(asCustomer(user).queryParam("limit", 201).get("/v1/accounts/" + wallet + "/entries").then(),
                400, "validation-failed");
        expectProblem(asCustomer(user).queryParam("limit", "ten").get("/v1/accounts/" + wallet + "/entries").then(),
                400, "validation-failed");
        expectProblem(asCustomer(user).queryParam("limit", 0).get("/v1/accounts/" + wallet + "/entries").then(),
                400, "validation-failed");
        expectProblem(asCustomer(user).queryParam("kind", "bribe").get("/v1/accounts/" + wallet + "/entries")
                .then(), 400, "validation-failed");
        expectProblem(asCustomer(user).queryParam("from", "yesterday").get("/v1/accounts/" + wallet + "/entries")
                .then(), 400, "validation-failed");
    }
}
