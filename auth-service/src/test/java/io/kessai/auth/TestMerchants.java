package io.kessai.auth;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Merchants as payment-service describes them to auth-service ({@code POST /v1/internal/merchants/{id}} with its own
 * token), and a merchant owner signed in with a step-up, as the till tests need them.
 */
public final class TestMerchants {

    private TestMerchants() {
    }

    public record Store(UUID storeId, String name, String status) {

        public static Store open(String name) {
            return new Store(UUID.randomUUID(), name, "active");
        }

        public Store closed() {
            return new Store(storeId, name, "closed");
        }

        JsonObject json() {
            return new JsonObject().put("storeId", storeId.toString()).put("name", name).put("status", status);
        }
    }

    /** A merchant's description at one version. */
    public record Merchant(UUID merchantId, UUID ownerId, String status, long version, List<Store> stores) {

        /** The next version with another state and stores. */
        public Merchant next(String newStatus, List<Store> newStores) {
            return new Merchant(merchantId, ownerId, newStatus, version + 1, newStores);
        }

        public Store store() {
            return stores.get(0);
        }

        public JsonObject body() {
            JsonArray list = new JsonArray();
            stores.forEach(store -> list.add(store.json()));
            return new JsonObject().put("ownerId", ownerId.toString()).put("status", status).put("version", version)
                    .put("stores", list);
        }
    }

    /** A merchant owner's session, and a step-up token of it. */
    public record Owner(TestUsers.User user, String access, String stepUp) {
    }

    /** A merchant owner, signed in on a new device with the SMS code, and stepped up. */
    public static Owner owner() {
        TestUsers.User user = TestUsers.merchantOwner();
        String access = TestUsers.signedIn(user, TestUsers.newDeviceId()).getString("accessToken");
        return new Owner(user, access, TestUsers.stepUpBySms(user, access));
    }

    /** An active merchant of {@code ownerId} with open stores of these names, told to auth-service (version 1). */
    public static Merchant active(UUID ownerId, String... storeNames) {
        List<Store> stores = new ArrayList<>();
        for (String name : storeNames) {
            stores.add(Store.open(name));
        }
        Merchant merchant = new Merchant(UUID.randomUUID(), ownerId, "active", 1, List.copyOf(stores));
        put(merchant).statusCode(200);
        return merchant;
    }

    /** payment-service's call, with its own token. */
    public static ValidatableResponse put(Merchant merchant) {
        return put(TestClients.token(TestClients.PAYMENT), merchant.merchantId().toString(), merchant.body().encode());
    }

    public static ValidatableResponse put(String token, String merchantId, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .post("/v1/internal/merchants/" + merchantId).then();
    }

    /** {@code POST /v1/me/merchants/{merchantId}/tills} with {@code token}. */
    public static ValidatableResponse createTill(String token, UUID merchantId, Map<String, ?> body) {
        return given().auth().oauth2(token).header("X-Forwarded-For", TestUsers.freshAddress())
                .contentType(ContentType.JSON).body(body).post("/v1/me/merchants/" + merchantId + "/tills").then();
    }

    /** A till credential for {@code terminalId} at the merchant's first store: its JSON, with the secret. */
    public static JsonObject till(Owner owner, Merchant merchant, String terminalId) {
        return new JsonObject(createTill(owner.stepUp(), merchant.merchantId(), Map.of("storeId",
                merchant.store().storeId().toString(), "terminalId", terminalId)).statusCode(201).extract()
                .asString());
    }

    /** The client-credentials grant for a till, with HTTP Basic, from a fresh address. */
    public static ValidatableResponse tillToken(String clientId, String secret) {
        return tillToken(clientId, secret, TestUsers.freshAddress());
    }

    public static ValidatableResponse tillToken(String clientId, String secret, String address) {
        return given().auth().preemptive().basic(clientId, secret).header("X-Forwarded-For", address)
                .formParam("grant_type", "client_credentials").post("/oauth2/token").then();
    }
}
