package io.kessai.auth.merchant;

import static io.kessai.auth.TestMerchants.put;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestMerchants;
import io.kessai.auth.TestMerchants.Merchant;
import io.kessai.auth.TestMerchants.Store;
import io.kessai.auth.TestUsers;
import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code POST /v1/internal/merchants/{merchantId}}: what payment-service tells auth-service an owner holds. Only a
 * service token with {@code auth:merchants.write}; a version not newer than the one held changes nothing.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class InternalMerchantTest {

    private static Merchant merchant(String status, long version, Store... stores) {
        return new Merchant(UUID.randomUUID(), UUID.randomUUID(), status, version, List.of(stores));
    }

    private static String heldStatus(Merchant merchant) {
        return queryText("SELECT status || ':' || version FROM merchant_holding WHERE merchant_id = '"
                + merchant.merchantId() + "'");
    }

    private static String heldStores(Merchant merchant) {
        return queryText("SELECT string_agg(store_id || ':' || name || ':' || status, ',' ORDER BY position) "
                + "FROM merchant_holding_store WHERE merchant_id = '" + merchant.merchantId() + "'");
    }

    private static ValidatableResponse putBody(Merchant merchant, JsonObject body) {
        return put(TestClients.token(TestClients.PAYMENT), merchant.merchantId().toString(), body.encode());
    }

    @Test
    void aMerchantIsHeldAsDescribedAndAnsweredBack() {
        Store east = Store.open("Shinjuku East Exit");
        Store west = Store.open("  Shibuya West  ");
        Merchant merchant = merchant("active", 1, east, west);
        put(merchant).statusCode(200).contentType(ContentType.JSON)
                .body("merchantId", equalTo(merchant.merchantId().toString()))
                .body("ownerId", equalTo(merchant.ownerId().toString()))
                .body("status", equalTo("active"))
                .body("version", equalTo(1))
                .body("stores", hasSize(2))
                .body("stores[0].storeId", equalTo(east.storeId().toString()))
                .body("stores[0].name", equalTo("Shinjuku East Exit"))
                .body("stores[0].status", equalTo("active"))
                .body("stores[1].name", equalTo("Shibuya West"));
        assertEquals("active:1", heldStatus(merchant));
        assertEquals(east.storeId() + ":Shinjuku East Exit:active," + west.storeId() + ":Shibuya West:active",
                heldStores(merchant));
        // The owner id names no account here: payment-service is the authority on who owns a merchant.
        assertEquals(0, count("SELECT count(*) FROM app_user WHERE id = '" + merchant.ownerId() + "'"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'merchant-holding' AND user_id = '"
                + merchant.ownerId() + "' AND actor = 'payment-service' AND detail->>'merchantId' = '"
                + merchant.merchantId() + "' AND detail->>'version' = '1'"));
    }

    @Test
    void aNewerVersionReplacesStateAndStores() {
        Store east = Store.open("East");
        Store west = Store.open("West");
        Merchant first = merchant("active", 1, east, west);
        put(first).statusCode(200);
        Merchant frozen = first.next("frozen", List.of(east.closed()));
        put(frozen).statusCode(200).body("status", equalTo("frozen")).body("version", equalTo(2))
                .body("stores", hasSize(1)).body("stores[0].status", equalTo("closed"));
        assertEquals("frozen:2", heldStatus(first));
        assertEquals(east.storeId() + ":East:closed", heldStores(first), "a store no longer listed is not held");
        Merchant none = frozen.next("active", List.of());
        put(none).statusCode(200).body("stores", hasSize(0));
        assertEquals(null, heldStores(first));
    }

    @Test
    void aReplayOrAnOlderVersionChangesNothingAndAnswersWhatIsHeld() {
        Store east = Store.open("East");
        Merchant first = merchant("active", 1, east);
        Merchant third = new Merchant(first.merchantId(), first.ownerId(), "frozen", 3, List.of(east));
        put(third).statusCode(200);
        // The outbox retried version 1 late, and delivered version 3 twice.
        for (Merchant late : List.of(first, third, new Merchant(first.merchantId(), UUID.randomUUID(), "active", 3,
                List.of(Store.open("Other"))))) {
            put(late).statusCode(200).body("status", equalTo("frozen")).body("version", equalTo(3))
                    .body("ownerId", equalTo(first.ownerId().toString())).body("stores", hasSize(1))
                    .body("stores[0].storeId", equalTo(east.storeId().toString()));
        }
        assertEquals("frozen:3", heldStatus(first));
        assertEquals(east.storeId() + ":East:active", heldStores(first));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'merchant-holding' AND "
                + "detail->>'merchantId' = '" + first.merchantId() + "'"), "only what was taken is audited");
    }

    @Test
    void onlyAServiceTokenWithTheScopeMayDescribeAMerchant() throws Exception {
        Merchant merchant = merchant("active", 1, Store.open("East"));
        String body = merchant.body().encode();
        String id = merchant.merchantId().toString();

        expectProblem(given().contentType(ContentType.JSON).body(body).post("/v1/internal/merchants/" + id).then(),
                401, "unauthorized");
        String issuer = given().get("/.well-known/openid-configuration").then().extract().path("issuer");
        TokenMinter stranger = new TokenMinter(TokenMinter.newKey("stranger"), issuer);
        expectProblem(put(stranger.token(TestClients.PAYMENT, "service"), id, body), 401, "unauthorized");

        // payment-service's own token, narrowed to another of its scopes: a service, without this scope.
        String narrowed = given().auth().preemptive().basic(TestClients.PAYMENT,
                TestClients.secretOf(TestClients.PAYMENT)).formParam("grant_type", "client_credentials")
                .formParam("scope", Scopes.NOTIFICATION_EVENTS_SEND).post("/oauth2/token").then().statusCode(200)
                .extract().path("access_token");
        TestUsers.User customer = TestUsers.registered();
        String customerToken = TestUsers.signedIn(customer, TestUsers.newDeviceId()).getString("accessToken");
        String ownerToken = TestMerchants.owner().access();
        for (String token : List.of(narrowed, TestClients.token(TestClients.OPS_TOOL), customerToken, ownerToken)) {
            expectProblem(put(token, id, body), 403, "forbidden");
        }
        assertEquals(0, count("SELECT count(*) FROM merchant_holding WHERE merchant_id = '" + id + "'"));
    }

    @Test
    void badBodiesAreRefusedNamingTheFieldAndStoreNothing() {
        Merchant merchant = merchant("active", 1, Store.open("East"));
        JsonObject good = merchant.body();
        expectField(putBody(merchant, good.copy().put("status", "closed")), "validation-failed", "status");
        expectField(putBody(merchant, good.copy().put("version", 0)), "validation-failed", "version");
        expectField(putBody(merchant, good.copy().put("version", -3)), "validation-failed", "version");
        expectField(putBody(merchant, without(good, "ownerId")), "validation-failed", "ownerId");
        expectField(putBody(merchant, without(good, "stores")), "validation-failed", "stores");
        JsonObject blankName = good.copy().put("stores", new JsonArray().add(new JsonObject()
                .put("storeId", UUID.randomUUID().toString()).put("name", " ").put("status", "active")));
        expectProblem(putBody(merchant, blankName), 400, "validation-failed");
        JsonObject longName = good.copy().put("stores", new JsonArray().add(new JsonObject()
                .put("storeId", UUID.randomUUID().toString()).put("name", "x".repeat(101)).put("status", "active")));
        expectProblem(putBody(merchant, longName), 400, "validation-failed");
        JsonObject controlName = good.copy().put("stores", new JsonArray().add(new JsonObject()
                .put("storeId", UUID.randomUUID().toString()).put("name", "East\nWest").put("status", "active")));
        expectProblem(putBody(merchant, controlName), 400, "validation-failed");
        JsonObject badStoreStatus = good.copy().put("stores", new JsonArray().add(new JsonObject()
                .put("storeId", UUID.randomUUID().toString()).put("name", "East").put("status", "open")));
        expectProblem(putBody(merchant, badStoreStatus), 400, "validation-failed");
        Store twice = Store.open("Twice");
        expectField(putBody(merchant, new Merchant(merchant.merchantId(), merchant.ownerId(), "active", 1,
                List.of(twice, twice)).body()), "validation-failed", "stores");
        List<Store> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add(Store.open("Store " + i));
        }
        expectField(putBody(merchant, new Merchant(merchant.merchantId(), merchant.ownerId(), "active", 1, many)
                .body()), "validation-failed", "stores");

        expectProblem(putBody(merchant, good.copy().put("version", 1.5)), 400, "malformed-body");
        expectProblem(putBody(merchant, good.copy().put("version", "2")), 400, "malformed-body");
        expectProblem(putBody(merchant, good.copy().put("ownerId", "someone")), 400, "malformed-body");
        expectProblem(putBody(merchant, good.copy().put("secret", "x")), 400, "malformed-body");
        String token = TestClients.token(TestClients.PAYMENT);
        String id = merchant.merchantId().toString();
        expectProblem(put(token, id, "{\"ownerId\": \"" + merchant.ownerId() + "\", \"status\": \"frozen\", "
                + "\"status\": \"active\", \"version\": 1, \"stores\": []}"), 400, "malformed-body");
        expectProblem(put(token, id, "{\"ownerId\": "), 400, "malformed-body");
        expectField(put(token, "not-a-merchant", good.encode()), "validation-failed", "merchantId");
        // Over the 64 KiB every body is limited to: refused before it is read.
        expectProblem(putBody(merchant, good.copy().put("padding", "x".repeat(70_000))), 413, "payload-too-large");

        assertEquals(0, count("SELECT count(*) FROM merchant_holding WHERE merchant_id = '" + id + "'"));
        // Its first good description is taken after all that.
        putBody(merchant, good).statusCode(200);
        assertEquals("active:1", heldStatus(merchant));
    }

    private static JsonObject without(JsonObject body, String field) {
        JsonObject copy = body.copy();
        copy.remove(field);
        return copy;
    }

    private static void expectField(ValidatableResponse answer, String code, String field) {
        expectProblem(answer, 400, code).body("errors.field", hasItem(field));
    }
}
