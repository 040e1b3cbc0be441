package io.kessai.auth.till;

import static io.kessai.auth.TestMerchants.createTill;
import static io.kessai.auth.TestMerchants.put;
import static io.kessai.auth.TestMerchants.till;
import static io.kessai.auth.TestMerchants.tillToken;
import static io.kessai.auth.TestUsers.claimsOf;
import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestMerchants;
import io.kessai.auth.TestMerchants.Merchant;
import io.kessai.auth.TestMerchants.Owner;
import io.kessai.auth.TestMerchants.Store;
import io.kessai.auth.TestUsers;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

/**
 * Till credentials: an owner makes them for a merchant payment-service says they hold, for one of its open stores;
 * a till's token carries the merchant, store and terminal; it stops the moment the till is revoked or re-keyed, or
 * its merchant, store or owner may no longer take payments.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class TillTest {

    private static String tillsOf(UUID merchantId) {
        return "/v1/me/merchants/" + merchantId + "/tills";
    }

    private static ValidatableResponse list(String token, UUID merchantId, Map<String, ?> query) {
        return given().auth().oauth2(token).queryParams(query).get(tillsOf(merchantId)).then();
    }

    private static ValidatableResponse rotate(String token, UUID merchantId, String tillId) {
        return given().auth().oauth2(token).header("X-Forwarded-For", freshAddress())
                .post(tillsOf(merchantId) + "/" + tillId + "/secret").then();
    }

    private static ValidatableResponse revoke(String token, UUID merchantId, String tillId) {
        return given().auth().oauth2(token).header("X-Forwarded-For", freshAddress())
                .delete(tillsOf(merchantId) + "/" + tillId).then();
    }

    private static String tokenOf(JsonObject till) {
        return tillToken(till.getString("clientId"), till.getString("clientSecret")).statusCode(200).extract()
                .path("access_token");
    }

    private static void invalidClient(ValidatableResponse response) {
        response.statusCode(401).header("Cache-Control", "no-store").body("error", equalTo("invalid_client"))
                .body("access_token", nullValue());
    }

    private static long tills(UUID merchantId) {
        return count("SELECT count(*) FROM till_credential WHERE merchant_id = '" + merchantId + "'");
    }

    private static long audited(String type, String outcome, String tillId) {
        return count("SELECT count(*) FROM audit_event WHERE type = '" + type + "' AND outcome = '" + outcome
                + "' AND detail->>'tillId' = '" + tillId + "'");
    }

    private static String sha256Hex(String secret) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anOwnersTillGetsATokenNamingItsMerchantStoreAndTerminal() throws Exception {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "Shinjuku East Exit", "Shibuya");
        Store store = merchant.stores().get(1);
        JsonObject till = new JsonObject(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                store.storeId().toString(), "terminalId", "till-2", "label", "  Counter by the door ")).statusCode(201)
                .header("Cache-Control", "no-store")
                .body("merchantId", equalTo(merchant.merchantId().toString()))
                .body("storeId", equalTo(store.storeId().toString()))
                .body("terminalId", equalTo("till-2"))
                .body("label", equalTo("Counter by the door"))
                .body("createdAt", not(nullValue()))
                .extract().asString());
        String tillId = till.getString("id");
        assertEquals("till-" + tillId, till.getString("clientId"));
        String secret = till.getString("clientSecret");
        assertEquals(43, secret.length(), "256 random bits, base64url");

        String access = tillToken(till.getString("clientId"), secret).statusCode(200)
                .header("Cache-Control", "no-store").body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(300)).body("$", not(hasKey("scope"))).extract().path("access_token");
        JsonObject claims = claimsOf(access);
        assertEquals(tillId, claims.getString("sub"));
        assertEquals(List.of("merchant"), claims.getJsonArray("groups").getList());
        assertEquals(merchant.merchantId().toString(), claims.getString("merchant_id"));
        assertEquals(store.storeId().toString(), claims.getString("store_id"));
        assertEquals("till-2", claims.getString("terminal_id"));
        String issuer = given().get("/.well-known/openid-configuration").then().extract().path("issuer");
        assertEquals(issuer, claims.getString("iss"));
        assertEquals("kessai", claims.getValue("aud") instanceof String aud
                ? aud
                : claims.getJsonArray("aud").getString(0));
        assertEquals(300, claims.getLong("exp") - claims.getLong("iat"));
        assertFalse(claims.containsKey("sid"), "a till's token is no person's sign-in");
        assertTrue(claims.containsKey("jti"));

        // Kept as its SHA-256 digest only.
        assertEquals(sha256Hex(secret), queryText("SELECT encode(secret_sha256, 'hex') FROM till_credential "
                + "WHERE id = '" + tillId + "'"));
        assertEquals(0, count("SELECT count(*) FROM till_credential WHERE id = '" + tillId + "' AND "
                + "position('" + secret + "' IN (till_credential.*)::text) > 0"));
        assertEquals(owner.user().id().toString(), queryText("SELECT created_by FROM till_credential WHERE id = '"
                + tillId + "'"));
        assertEquals(1, audited("till-create", "success", tillId));
        assertEquals(1, audited("till-token", "success", tillId));
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE position('" + secret + "' IN detail::text) > 0"));
    }

    @Test
    void theSecretIsShownOnlyWhenMadeAndTheListPagesWithoutIt() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject first = till(owner, merchant, "till-1");
        JsonObject second = till(owner, merchant, "till-2");
        JsonObject third = till(owner, merchant, "till-3");

        list(owner.access(), merchant.merchantId(), Map.of()).statusCode(200).body("items", hasSize(3))
                .body("items.id", equalTo(List.of(first.getString("id"), second.getString("id"),
                        third.getString("id"))))
                .body("items[0].clientId", equalTo(first.getString("clientId")))
                .body("items[0].terminalId", equalTo("till-1"))
                .body("items[0]", not(hasKey("clientSecret")))
                .body("nextCursor", nullValue())
                .body(not(org.hamcrest.Matchers.containsString(first.getString("clientSecret"))));

        String cursor = list(owner.access(), merchant.merchantId(), Map.of("limit", 2)).statusCode(200)
                .body("items", hasSize(2)).body("items[1].id", equalTo(second.getString("id")))
                .extract().path("nextCursor");
        list(owner.access(), merchant.merchantId(), Map.of("limit", 2, "cursor", cursor)).statusCode(200)
                .body("items", hasSize(1)).body("items[0].id", equalTo(third.getString("id")))
                .body("nextCursor", nullValue());

        for (Object limit : List.of(0, 201, "many", -1)) {
            expectProblem(list(owner.access(), merchant.merchantId(), Map.of("limit", limit)), 400,
                    "validation-failed").body("errors.field", hasItem("limit"));
        }
        expectProblem(list(owner.access(), merchant.merchantId(), Map.of("cursor", "not-ours")), 400,
                "invalid-cursor");
    }

    @Test
    void aNewSecretStopsTheOldOneAtOnce() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        String tillId = till.getString("id");
        String old = till.getString("clientSecret");

        JsonObject renewed = new JsonObject(rotate(owner.stepUp(), merchant.merchantId(), tillId).statusCode(200)
                .header("Cache-Control", "no-store").body("id", equalTo(tillId))
                .body("clientId", equalTo("till-" + tillId)).body("terminalId", equalTo("till-1"))
                .body("secretRotatedAt", not(nullValue())).extract().asString());
        String secret = renewed.getString("clientSecret");
        assertNotEquals(old, secret);

        invalidClient(tillToken("till-" + tillId, old));
        assertEquals(tillId, claimsOf(tillToken("till-" + tillId, secret).statusCode(200).extract()
                .path("access_token")).getString("sub"));
        assertEquals(1, audited("till-secret-rotation", "success", tillId));
        assertEquals(1, audited("till-token", "failure", tillId), "the old secret is a wrong one now");
        expectProblem(rotate(owner.stepUp(), merchant.merchantId(), UUID.randomUUID().toString()), 404,
                "till-not-found");
        expectProblem(rotate(owner.stepUp(), merchant.merchantId(), "not-a-till"), 404, "till-not-found");
    }

    @Test
    void aRevokedTillGetsNoTokenAndRevokingAgainChangesNothing() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        String tillId = till.getString("id");
        tokenOf(till);

        revoke(owner.access(), merchant.merchantId(), tillId).statusCode(204);
        invalidClient(tillToken(till.getString("clientId"), till.getString("clientSecret")));
        revoke(owner.access(), merchant.merchantId(), tillId).statusCode(204);
        assertEquals(1, audited("till-revoke", "success", tillId), "the second revoke changed nothing");
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'till-token' AND outcome = 'refused' "
                + "AND detail->>'tillId' = '" + tillId + "' AND detail->>'reason' = 'till-revoked'"));
        assertEquals(1, count("SELECT count(*) FROM till_credential WHERE id = '" + tillId
                + "' AND revoked_at IS NOT NULL"));

        list(owner.access(), merchant.merchantId(), Map.of()).statusCode(200).body("items", hasSize(0));
        expectProblem(rotate(owner.stepUp(), merchant.merchantId(), tillId), 404, "till-not-found");
        expectProblem(revoke(owner.access(), merchant.merchantId(), UUID.randomUUID().toString()), 404,
                "till-not-found");
        // The terminal may have a new credential once the old one is revoked.
        till(owner, merchant, "till-1");
    }

    @Test
    void aFrozenMerchantsTillsGetNoTokenAndNoNewOnesUntilItIsActiveAgain() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        JsonObject lost = till(owner, merchant, "till-9");
        tokenOf(till);

        Merchant frozen = merchant.next("frozen", merchant.stores());
        put(frozen).statusCode(200);
        invalidClient(tillToken(till.getString("clientId"), till.getString("clientSecret")));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'till-token' AND outcome = 'refused' "
                + "AND detail->>'tillId' = '" + till.getString("id") + "' AND detail->>'reason' = "
                + "'merchant-not-active'"));
        expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-2")), 409, "merchant-not-active");
        expectProblem(rotate(owner.stepUp(), merchant.merchantId(), till.getString("id")), 409,
                "merchant-not-active");
        // Listing and revoking still work: stopping a till never waits for the merchant.
        revoke(owner.access(), merchant.merchantId(), lost.getString("id")).statusCode(204);
        list(owner.access(), merchant.merchantId(), Map.of()).statusCode(200).body("items", hasSize(1))
                .body("items[0].id", equalTo(till.getString("id")));
        assertEquals(2, tills(merchant.merchantId()));

        put(frozen.next("active", merchant.stores())).statusCode(200);
        tokenOf(till);

        Merchant pending = new Merchant(UUID.randomUUID(), owner.user().id(), "pending_review", 1,
                List.of(Store.open("West")));
        put(pending).statusCode(200);
        expectProblem(createTill(owner.stepUp(), pending.merchantId(), Map.of("storeId",
                pending.store().storeId().toString(), "terminalId", "till-1")), 409, "merchant-not-active");
        assertEquals(0, tills(pending.merchantId()));
    }

    @Test
    void aTillOfAClosedOrDroppedStoreGetsNoToken() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East", "West");
        Store east = merchant.stores().get(0);
        Store west = merchant.stores().get(1);
        JsonObject atEast = till(owner, merchant, "till-1");
        JsonObject atWest = new JsonObject(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                west.storeId().toString(), "terminalId", "till-1")).statusCode(201).extract().asString());

        Merchant closed = merchant.next("active", List.of(east.closed(), west));
        put(closed).statusCode(200);
        invalidClient(tillToken(atEast.getString("clientId"), atEast.getString("clientSecret")));
        tokenOf(atWest);

        put(closed.next("active", List.of(east))).statusCode(200);
        invalidClient(tillToken(atWest.getString("clientId"), atWest.getString("clientSecret")));
        tokenOf(atEast);
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'till-token' AND outcome = 'refused' "
                + "AND detail->>'merchantId' = '" + merchant.merchantId() + "' AND detail->>'reason' = "
                + "'store-not-active'"));
    }

    @Test
    void aFrozenOwnersTillsGetNoToken() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        tokenOf(till);
        given().auth().oauth2(TestClients.token(TestClients.OPS_TOOL)).header("X-Forwarded-For", "198.51.100.7")
                .contentType(ContentType.JSON).body(Map.of("reason", "Ticket SEC-2001: owner account taken over"))
                .post("/v1/ops/users/" + owner.user().id() + "/freeze").then().statusCode(200);
        invalidClient(tillToken(till.getString("clientId"), till.getString("clientSecret")));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'till-token' AND outcome = 'refused' "
                + "AND detail->>'tillId' = '" + till.getString("id") + "' AND detail->>'reason' = "
                + "'owner-not-active'"));
        // The frozen owner's session has ended, so nothing can be made either.
        expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-2")), 401, "session-ended");
    }

    @Test
    void aStoreTheMerchantDoesNotHoldOrHasClosedIsRefused() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East", "West");
        Merchant other = TestMerchants.active(owner.user().id(), "Elsewhere");
        for (UUID storeId : List.of(UUID.randomUUID(), other.store().storeId())) {
            expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId", storeId.toString(),
                    "terminalId", "till-1")), 422, "store-not-found");
        }
        put(merchant.next("active", List.of(merchant.store().closed(), merchant.stores().get(1)))).statusCode(200);
        expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-1")), 422, "store-not-found");
        assertEquals(0, tills(merchant.merchantId()));
    }

    @Test
    void anotherOwnersMerchantIsNotFound() {
        Owner owner = TestMerchants.owner();
        Owner stranger = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        String tillId = till.getString("id");
        Map<String, String> body = Map.of("storeId", merchant.store().storeId().toString(), "terminalId", "till-2");

        expectProblem(createTill(stranger.stepUp(), merchant.merchantId(), body), 404, "merchant-not-found");
        expectProblem(list(stranger.access(), merchant.merchantId(), Map.of()), 404, "merchant-not-found");
        expectProblem(rotate(stranger.stepUp(), merchant.merchantId(), tillId), 404, "merchant-not-found");
        expectProblem(revoke(stranger.access(), merchant.merchantId(), tillId), 404, "merchant-not-found");
        expectProblem(createTill(owner.stepUp(), UUID.randomUUID(), body), 404, "merchant-not-found");
        expectProblem(given().auth().oauth2(owner.access()).get("/v1/me/merchants/not-a-merchant/tills").then(),
                404, "merchant-not-found");
        // Another of the owner's own merchants does not reach this one's tills either.
        Merchant second = TestMerchants.active(owner.user().id(), "West");
        expectProblem(revoke(owner.access(), second.merchantId(), tillId), 404, "till-not-found");

        assertEquals(1, tills(merchant.merchantId()));
        tokenOf(till);
    }

    @Test
    void onlyTheOwnersSessionReachesTheTills() throws Exception {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        String tillId = till.getString("id");
        Map<String, String> body = Map.of("storeId", merchant.store().storeId().toString(), "terminalId", "till-2");

        expectProblem(given().contentType(ContentType.JSON).body(body).post(tillsOf(merchant.merchantId())).then(),
                401, "unauthorized");
        expectProblem(given().get(tillsOf(merchant.merchantId())).then(), 401, "unauthorized");
        String issuer = given().get("/.well-known/openid-configuration").then().extract().path("issuer");
        TokenMinter forger = new TokenMinter(TokenMinter.newKey("forger"), issuer);
        expectProblem(list(forger.tillToken(tillId, merchant.merchantId().toString(),
                merchant.store().storeId().toString(), "till-1"), merchant.merchantId(), Map.of()), 401,
                "unauthorized");

        TestUsers.User customer = TestUsers.registered();
        String customerSession = TestUsers.signedIn(customer, TestUsers.newDeviceId()).getString("accessToken");
        String customerStepUp = TestUsers.stepUpBySms(customer, customerSession);
        String tillAccess = tokenOf(till);
        for (String token : List.of(customerStepUp, tillAccess, TestClients.token(TestClients.PAYMENT))) {
            expectProblem(createTill(token, merchant.merchantId(), body), 403, "forbidden");
            expectProblem(list(token, merchant.merchantId(), Map.of()), 403, "forbidden");
            expectProblem(rotate(token, merchant.merchantId(), tillId), 403, "forbidden");
            expectProblem(revoke(token, merchant.merchantId(), tillId), 403, "forbidden");
        }
        // A till's token is no person's: the user endpoints refuse it too.
        expectProblem(given().auth().oauth2(tillAccess).get("/v1/me/factors").then(), 403, "forbidden");
        assertEquals(1, tills(merchant.merchantId()));
        assertEquals(0, count("SELECT count(*) FROM till_credential WHERE id = '" + tillId
                + "' AND revoked_at IS NOT NULL"));
    }

    @Test
    void makingOrReKeyingATillNeedsAStepUp() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        expectProblem(createTill(owner.access(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-2")), 403, "step-up-required");
        expectProblem(rotate(owner.access(), merchant.merchantId(), till.getString("id")), 403, "step-up-required");
        assertEquals(1, tills(merchant.merchantId()));
        tokenOf(till);
    }

    @Test
    void aSecondTillForTheSameTerminalOfAStoreIsRefused() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East", "West");
        till(owner, merchant, "till-1");
        expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-1")), 409, "till-exists");
        // Terminal ids are the merchant's names per store: another store may use the same one.
        createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.stores().get(1).storeId().toString(), "terminalId", "till-1")).statusCode(201);
        assertEquals(2, tills(merchant.merchantId()));
    }

    @Test
    void aMerchantHasAtMostTheConfiguredNumberOfWorkingTills() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject first = till(owner, merchant, "till-0");
        for (int i = 1; i < 5; i++) {
            till(owner, merchant, "till-" + i);
        }
        expectProblem(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", "till-5")), 409, "till-limit-reached");
        assertEquals(5, tills(merchant.merchantId()));
        revoke(owner.access(), merchant.merchantId(), first.getString("id")).statusCode(204);
        till(owner, merchant, "till-5");
    }

    @Test
    void guessingATillsSecretIsCutOffAndTheRightSecretWaitsToo() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        String clientId = till.getString("clientId");
        // Each guess from a new address: only the till's own bucket stops them.
        for (int i = 0; i < 10; i++) {
            invalidClient(tillToken(clientId, "guess-" + i));
        }
        String retryAfter = tillToken(clientId, "guess-10").statusCode(429).body("error",
                equalTo("too_many_requests")).extract().header("Retry-After");
        assertTrue(Integer.parseInt(retryAfter) >= 1);
        // Were the right secret still checked, its 200 among the 429s would tell the guesser it had found it.
        tillToken(clientId, till.getString("clientSecret")).statusCode(429);
        assertEquals(10, audited("till-token", "failure", till.getString("id")));
    }

    @Test
    void anUnknownTillIsRefusedLikeAWrongSecret() {
        invalidClient(tillToken("till-" + UUID.randomUUID(), "anything"));
        invalidClient(tillToken("till-not-an-id", "anything"));
    }

    @Test
    void aTillsTokenCarriesNoScopes() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        JsonObject till = till(owner, merchant, "till-1");
        given().auth().preemptive().basic(till.getString("clientId"), till.getString("clientSecret"))
                .header("X-Forwarded-For", freshAddress()).formParam("grant_type", "client_credentials")
                .formParam("scope", "wallet:transfers.create").post("/oauth2/token").then().statusCode(400)
                .body("error", equalTo("invalid_scope"));
    }

    @Test
    void badBodiesAreRefusedAndMakeNothing() {
        Owner owner = TestMerchants.owner();
        Merchant merchant = TestMerchants.active(owner.user().id(), "East");
        String store = merchant.store().storeId().toString();
        UUID id = merchant.merchantId();
        for (String terminal : List.of("", "till 1", "x".repeat(26), "ティル", "till/1")) {
            expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store, "terminalId", terminal)), 400,
                    "validation-failed").body("errors.field", hasItem("terminalId"));
        }
        expectProblem(createTill(owner.stepUp(), id, Map.of("terminalId", "till-1")), 400, "validation-failed")
                .body("errors.field", hasItem("storeId"));
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store)), 400, "validation-failed")
                .body("errors.field", hasItem("terminalId"));
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store, "terminalId", "till-1", "label",
                "x".repeat(101))), 400, "validation-failed").body("errors.field", hasItem("label"));
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store, "terminalId", "till-1", "label",
                "Door\nWindow")), 400, "validation-failed").body("errors.field", hasItem("label"));
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", "store-1", "terminalId", "till-1")), 400,
                "malformed-body");
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store, "terminalId", "till-1",
                "clientSecret", "mine")), 400, "malformed-body");
        expectProblem(given().auth().oauth2(owner.stepUp()).contentType(ContentType.JSON).body("{\"storeId\": ")
                .post(tillsOf(id)).then(), 400, "malformed-body");
        expectProblem(createTill(owner.stepUp(), id, Map.of("storeId", store, "terminalId", "till-1", "label",
                "x".repeat(70_000))), 413, "payload-too-large");
        assertEquals(0, tills(id));
    }
}
