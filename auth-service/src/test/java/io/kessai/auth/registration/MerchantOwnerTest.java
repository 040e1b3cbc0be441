package io.kessai.auth.registration;

import static io.kessai.auth.TestUsers.claimsOf;
import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.sentCode;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.auth.TestUsers.User;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

/**
 * Merchant owners register and sign in by the customers' rules, get tokens with role merchant instead of customer,
 * and no wallet: no call to wallet-service is queued in the outbox for them.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class MerchantOwnerTest {

    private static ValidatableResponse start(Map<String, ?> body) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress()).body(body)
                .post("/v1/registrations").then();
    }

    private static long walletCalls(UUID userId) {
        return count("SELECT count(*) FROM kessai_outbox WHERE destination = 'wallet' AND (path LIKE "
                + "'%/" + userId + "/%' OR body->>'userId' = '" + userId + "')");
    }

    @Test
    void aMerchantOwnerRegistersSignsInWithTheSecondFactorAndGetsRoleMerchantButNoWallet() {
        User owner = TestUsers.merchantOwner();
        assertEquals("merchant", queryText("SELECT account_type FROM app_user WHERE id = '" + owner.id() + "'"));
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + owner.id() + "'"));
        assertEquals(0, walletCalls(owner.id()), "confirming a merchant owner queues no wallet opening");

        // A new device needs the SMS code, exactly as for a customer (TestUsers.signedIn asserts the 202 first).
        JsonObject session = TestUsers.signedIn(owner, newDeviceId());
        JsonObject claims = claimsOf(session.getString("accessToken"));
        assertEquals(List.of("merchant"), claims.getJsonArray("groups").getList());
        assertEquals(owner.id().toString(), claims.getString("sub"));
        assertEquals(session.getString("sessionId"), claims.getString("sid"));
        assertEquals(List.of("pwd", "sms", "pop"), claims.getJsonArray("amr").getList());

        // A refresh keeps the role, and so does a step-up.
        String refreshed = TestUsers.refresh(session.getString("refreshToken")).statusCode(200).extract()
                .path("access_token");
        assertEquals(List.of("merchant"), claimsOf(refreshed).getJsonArray("groups").getList());
        String stepUp = TestUsers.stepUpBySms(owner, refreshed);
        assertEquals(List.of("merchant"), claimsOf(stepUp).getJsonArray("groups").getList());
    }

    @Test
    void theUserEndpointsServeAMerchantOwnerAsACustomer() {
        User owner = TestUsers.merchantOwner();
        String device = newDeviceId();
        String access = TestUsers.signedIn(owner, device).getString("accessToken");
        given().auth().oauth2(access).get("/v1/me/factors").then().statusCode(200)
                .body("phone", equalTo(owner.phone().e164())).body("totp", equalTo("none"));
        given().auth().oauth2(access).get("/v1/me/devices").then().statusCode(200).body("$", hasSize(1))
                .body("[0].deviceId", equalTo(device));
        String stepUp = TestUsers.stepUpBySms(owner, access);
        given().auth().oauth2(stepUp).header("X-Forwarded-For", freshAddress()).post("/v1/me/recovery-codes").then()
                .statusCode(201).body("codes", hasSize(10));
        given().auth().oauth2(access).header("X-Forwarded-For", freshAddress()).delete("/v1/sessions/current").then()
                .statusCode(204);
        expectProblem(given().auth().oauth2(access).header("X-Forwarded-For", freshAddress())
                .post("/v1/step-up/sms").then(), 401, "session-ended");
    }

    @Test
    void aCustomerStillGetsRoleCustomerAndAWallet() {
        User customer = TestUsers.registered();
        assertEquals("customer", queryText("SELECT account_type FROM app_user WHERE id = '" + customer.id() + "'"));
        assertEquals(1, count("SELECT count(*) FROM kessai_outbox WHERE event_id = 'auth:wallet-open:"
                + customer.id() + "'"));
        String access = TestUsers.signedIn(customer, newDeviceId()).getString("accessToken");
        assertEquals(List.of("customer"), claimsOf(access).getJsonArray("groups").getList());
    }

    @Test
    void anAccountTypeNamedCustomerIsACustomer() {
        Phone phone = Phone.fresh();
        String registration = start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD, "accountType",
                "customer")).statusCode(202).extract().path("registrationId");
        given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("code", sentCode(phone.e164()).getJsonObject("data").getString("code")))
                .post("/v1/registrations/" + registration + "/confirm").then().statusCode(200);
        assertEquals("customer", queryText("SELECT account_type FROM app_user WHERE phone_e164 = '" + phone.e164()
                + "'"));
    }

    @Test
    void anyOtherAccountTypeIsRefusedNamingTheFieldAndStoresNothing() {
        Phone phone = Phone.fresh();
        for (String type : List.of("ops", "service", "Merchant", "")) {
            expectProblem(start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD, "accountType", type)),
                    400, "validation-failed").body("errors[0].field", equalTo("accountType"));
        }
        expectProblem(start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD, "accountType", 1)), 400,
                "validation-failed").body("errors[0].field", equalTo("accountType"));
        expectProblem(start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD, "accountType",
                List.of("merchant"))), 400, "malformed-body");
        expectProblem(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body("{\"phone\": \"" + phone.typed() + "\", \"password\": \"" + TestUsers.PASSWORD
                        + "\", \"accountType\": \"merchant\", \"accountType\": \"customer\"}")
                .post("/v1/registrations").then(), 400, "malformed-body");
        assertEquals(0, count("SELECT count(*) FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
        assertNull(sentCode(phone.e164()));
    }

    @Test
    void aNumberThatHasAnAccountGetsTheDecoyWhicheverTypeIsAsked() {
        User customer = TestUsers.registered();
        User owner = TestUsers.merchantOwner();
        for (User existing : List.of(customer, owner)) {
            String type = queryText("SELECT account_type FROM app_user WHERE id = '" + existing.id() + "'");
            long messagesBefore = count("SELECT count(*) FROM kessai_outbox WHERE body->'recipient'->>'phone' = '"
                    + existing.phone().e164() + "'");
            for (String asked : List.of("customer", "merchant")) {
                TestUsers.pastResendInterval(existing.phone());
                String decoy = start(Map.of("phone", existing.phone().typed(), "password",
                        "attacker-chosen-password-9", "accountType", asked)).statusCode(202).extract()
                        .path("registrationId");
                assertTrue(decoy != null && !decoy.isBlank());
            }
            assertEquals(messagesBefore, count("SELECT count(*) FROM kessai_outbox WHERE "
                    + "body->'recipient'->>'phone' = '" + existing.phone().e164() + "'"), "no code was sent");
            assertEquals(type, queryText("SELECT account_type FROM app_user WHERE id = '" + existing.id() + "'"));
        }
    }

    @Test
    void aSecondStartOfAPendingRegistrationTakesTheNewType() {
        Phone phone = Phone.fresh();
        start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD)).statusCode(202);
        assertEquals("customer", queryText("SELECT account_type FROM app_user WHERE phone_e164 = '" + phone.e164()
                + "'"));
        TestUsers.pastResendInterval(phone);
        String second = start(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD, "accountType",
                "merchant")).statusCode(202).extract().path("registrationId");
        String userId = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("code", sentCode(phone.e164()).getJsonObject("data").getString("code")))
                .post("/v1/registrations/" + second + "/confirm").then().statusCode(200).extract().path("userId");
        assertEquals("merchant", queryText("SELECT account_type FROM app_user WHERE id = '" + userId + "'"));
        assertEquals(0, walletCalls(UUID.fromString(userId)));
    }
}
