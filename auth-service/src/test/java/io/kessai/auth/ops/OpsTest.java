package io.kessai.auth.ops;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.refresh;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/** Ops endpoints: who may call them, what freezing a user or a device stops, and the audit log search. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class OpsTest {

    private static final String REASON = "Ticket SEC-1042: customer reports a stolen phone";

    static RequestSpecification ops() {
        return given().auth().oauth2(TestClients.token(TestClients.OPS_TOOL)).header("X-Forwarded-For", "198.51.100.7");
    }

    static ValidatableResponse freeze(UUID userId, String reason) {
        return ops().contentType(ContentType.JSON).body(Map.of("reason", reason))
                .post("/v1/ops/users/" + userId + "/freeze").then();
    }

    static ValidatableResponse unfreeze(UUID userId, String reason) {
        return ops().contentType(ContentType.JSON).body(Map.of("reason", reason))
                .post("/v1/ops/users/" + userId + "/unfreeze").then();
    }

    static ValidatableResponse device(UUID userId, String deviceId, String action) {
        return ops().contentType(ContentType.JSON).body(Map.of("reason", REASON))
                .post("/v1/ops/users/" + userId + "/devices/" + deviceId + "/" + action).then();
    }

    static String kidOf(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8))
                .getString("kid");
    }

    private static long liveWalletCalls(UUID userId) {
        return count("SELECT count(*) FROM kessai_outbox WHERE destination = 'wallet' AND NOT dead AND path IN ("
                + "'/v1/internal/accounts/customers/" + userId + "/freeze', "
                + "'/v1/internal/accounts/customers/" + userId + "/unfreeze')");
    }

    // --- who may call -------------------------------------------------------------------------------------------

    /** Every ops endpoint, each called with a new request from {@code spec}. */
    private static List<ValidatableResponse> everyEndpoint(Supplier<RequestSpecification> spec, UUID userId,
            String deviceId) {
        List<ValidatableResponse> answers = new ArrayList<>();
        String body = "{\"reason\": \"" + REASON + "\"}";
        answers.add(spec.get().get("/v1/ops/users?phone=090-1234-5678").then());
        answers.add(spec.get().get("/v1/ops/users/" + userId).then());
        for (String action : List.of("freeze", "unfreeze")) {
            answers.add(spec.get().contentType(ContentType.JSON).body(body)
                    .post("/v1/ops/users/" + userId + "/" + action).then());
            answers.add(spec.get().contentType(ContentType.JSON).body(body)
                    .post("/v1/ops/users/" + userId + "/devices/" + deviceId + "/" + action).then());
        }
        answers.add(spec.get().get("/v1/ops/audit?userId=" + userId).then());
        return answers;
    }

    @Test
    void withoutATokenEveryOpsEndpointIsUnauthorized() {
        User user = TestUsers.registered();
        for (ValidatableResponse answer : everyEndpoint(() -> given(), user.id(), newDeviceId())) {
            expectProblem(answer, 401, "unauthorized").header("WWW-Authenticate", equalTo("Bearer"));
        }
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + user.id() + "'"));
    }

    @Test
    void forgedTokensAreUnauthorized() {
        User user = TestUsers.registered();
        String issuer = given().get("/.well-known/openid-configuration").then().extract().path("issuer");
        // The kid of the key that signs now (the first key in the JWKS is the newest, which after a rotation does not
        // sign yet): the forgery differs from a real token only in the key that signed it.
        String kid = kidOf(TestClients.token(TestClients.OPS_TOOL));
        TokenMinter stranger = new TokenMinter(TokenMinter.newKey(kid), issuer);
        for (String forged : List.of(stranger.token(TestClients.OPS_TOOL, "ops", "service"),
                stranger.unsignedToken(TestClients.OPS_TOOL, "ops"), "not-a-jwt")) {
            for (ValidatableResponse answer : everyEndpoint(() -> given().auth().oauth2(forged), user.id(),
                    newDeviceId())) {
                expectProblem(answer, 401, "unauthorized")
                        .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\""));
            }
        }
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + user.id() + "'"));
    }

    @Test
    void customerAndServiceTokensAreForbidden() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        String customer = TestUsers.signedIn(user, device).getString("accessToken");
        for (String token : List.of(customer, TestClients.token(TestClients.PAYMENT))) {
            for (ValidatableResponse answer : everyEndpoint(() -> given().auth().oauth2(token), user.id(), device)) {
                expectProblem(answer, 403, "forbidden");
            }
        }
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + user.id() + "'"));
        assertEquals("active", queryText("SELECT status FROM device WHERE user_id = '" + user.id() + "'"));
        assertEquals(0, liveWalletCalls(user.id()));
    }

    // --- look-up ------------------------------------------------------------------------------------------------

    @Test
    void aUserIsFoundByPhoneInAnyFormAndById() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        TestUsers.signedIn(user, device);
        String international = "+81 " + user.phone().e164().substring(3);
        for (String typed : List.of(user.phone().typed(), user.phone().e164(), international)) {
            ops().queryParam("phone", typed).get("/v1/ops/users").then().statusCode(200)
                    .body("userId", equalTo(user.id().toString()));
        }
        ops().get("/v1/ops/users/" + user.id()).then().statusCode(200)
                .body("userId", equalTo(user.id().toString()))
                .body("phone", equalTo(user.phone().e164()))
                .body("status", equalTo("active"))
                .body("email", nullValue())
                .body("emailVerified", equalTo(false))
                .body("createdAt", notNullValue())
                .body("activatedAt", notNullValue())
                .body("frozenAt", nullValue())
                .body("frozenReason", nullValue())
                .body("totp", equalTo(false))
                .body("recoveryCodesLeft", equalTo(0))
                .body("devices", hasSize(1))
                .body("devices[0].deviceId", equalTo(device))
                .body("devices[0].name", equalTo("Test phone"))
                .body("devices[0].status", equalTo("active"))
                .body("devices[0].boundAt", notNullValue())
                .body("devices[0].expiresAt", notNullValue())
                .body("devices[0].lastSeenAt", notNullValue());
    }

    @Test
    void unknownAndMalformedUsersAreNotFound() {
        expectProblem(ops().get("/v1/ops/users/" + UUID.randomUUID()).then(), 404, "user-not-found");
        expectProblem(ops().get("/v1/ops/users/not-a-user").then(), 404, "user-not-found");
        expectProblem(ops().get("/v1/ops/users/1-1-1-1-1").then(), 404, "user-not-found");
        expectProblem(ops().queryParam("phone", TestUsers.Phone.fresh().typed()).get("/v1/ops/users").then(), 404,
                "user-not-found");
        expectProblem(freeze(UUID.randomUUID(), REASON), 404, "user-not-found");
        expectProblem(unfreeze(UUID.randomUUID(), REASON), 404, "user-not-found");
        expectProblem(ops().contentType(ContentType.JSON).body(Map.of("reason", REASON))
                .post("/v1/ops/users/nonsense/freeze").then(), 404, "user-not-found");
        expectProblem(device(UUID.randomUUID(), newDeviceId(), "freeze"), 404, "user-not-found");
    }

    @Test
    void aBadPhoneOrNoPhoneIsABadRequest() {
        expectProblem(ops().queryParam("phone", "03-1234-5678").get("/v1/ops/users").then(), 400,
                "invalid-phone-number").body("errors[0].field", equalTo("phone"));
        expectProblem(ops().get("/v1/ops/users").then(), 400, "validation-failed")
                .body("errors[0].field", equalTo("phone"));
    }

    // --- freezing a user ----------------------------------------------------------------------------------------

    @Test
    void freezingStopsRefreshAndLoginQueuesTheWalletFreezeAuditsAndAlerts() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        JsonObject session = TestUsers.signedIn(user, device);
        String refreshToken = session.getString("refreshToken");

        freeze(user.id(), REASON).statusCode(200)
                .body("status", equalTo("frozen"))
                .body("frozenAt", notNullValue())
                .body("frozenReason", equalTo(REASON))
                .body("devices[0].status", equalTo("active"));

        // The refresh family ended, and login is refused like any wrong password.
        refresh(refreshToken).statusCode(400).body("error", equalTo("invalid_grant"));
        expectProblem(login(user.phone().typed(), user.password(), device, freshAddress()), 401,
                "invalid-credentials");
        assertEquals(0, count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id()
                + "' AND revoked_at IS NULL"));
        assertEquals("user-frozen", queryText("SELECT DISTINCT revoked_reason FROM refresh_family WHERE user_id = '"
                + user.id() + "'"));

        // The wallet freeze, through the outbox, names the user and carries the reason.
        JsonObject call = new JsonObject(queryText("SELECT json_build_object('eventId', event_id, 'destination', "
                + "destination, 'path', path, 'body', body)::text FROM kessai_outbox WHERE path = "
                + "'/v1/internal/accounts/customers/" + user.id() + "/freeze'"));
        assertEquals("wallet", call.getString("destination"));
        assertTrue(call.getString("eventId").startsWith("auth:wallet-freeze:" + user.id() + ":"));
        assertEquals(new JsonObject().put("reason", REASON), call.getJsonObject("body"));

        // The audit event names the ops client and its address.
        JsonObject audit = new JsonObject(queryText("SELECT row_to_json(a)::text FROM audit_event a WHERE type = "
                + "'user-freeze' AND user_id = '" + user.id() + "'"));
        assertEquals("success", audit.getString("outcome"));
        assertEquals(TestClients.OPS_TOOL, audit.getString("actor"));
        assertEquals("198.51.100.7", audit.getString("address"));
        assertEquals(user.phone().e164(), audit.getString("phone_e164"));
        assertEquals(REASON, audit.getJsonObject("detail").getString("reason"));
        assertEquals(1, audit.getJsonObject("detail").getInteger("sessionsRevoked"));
        assertEquals(call.getString("eventId"), audit.getJsonObject("detail").getString("walletCall"));
        // payment-service hears of it too (it revokes the user's payment keys), in the user's order of changes.
        assertEquals(List.of("/freeze " + REASON), TestUsers.paymentCalls(user.id()));
        assertTrue(audit.getJsonObject("detail").getString("paymentCall").startsWith("auth:payment-freeze:"
                + user.id() + ":"));

        // The owner hears of it on every verified channel.
        JsonObject alert = new JsonObject(queryText("SELECT body::text FROM kessai_outbox WHERE body->>'type' = "
                + "'security.account_frozen' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
        assertEquals(user.phone().e164(), alert.getJsonObject("recipient").getString("phone"));
        assertEquals(new JsonObject(), alert.getJsonObject("data"));
    }

    @Test
    void freezingAFrozenUserAnswersTheSameStateAndQueuesNothing() {
        User user = TestUsers.registered();
        String frozenAt = freeze(user.id(), REASON).statusCode(200).extract().path("frozenAt");
        String mine = "SELECT count(*) FROM kessai_outbox WHERE path LIKE '%" + user.id()
                + "%' OR body->'recipient'->>'userId' = '" + user.id() + "'";
        long outbox = count(mine);
        long audited = count("SELECT count(*) FROM audit_event WHERE user_id = '" + user.id() + "'");

        freeze(user.id(), "another reason").statusCode(200).body("status", equalTo("frozen"))
                .body("frozenAt", equalTo(frozenAt)).body("frozenReason", equalTo(REASON));
        assertEquals(outbox, count(mine));
        assertEquals(audited, count("SELECT count(*) FROM audit_event WHERE user_id = '" + user.id() + "'"));
        unfreeze(user.id(), REASON).statusCode(200);
        unfreeze(user.id(), REASON).statusCode(200).body("status", equalTo("active"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'user-unfreeze' AND user_id = '"
                + user.id() + "'"));
    }

    @Test
    void unfreezingRestoresLoginButNotTheEndedSessions() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        String refreshToken = TestUsers.signedIn(user, device).getString("refreshToken");
        freeze(user.id(), REASON).statusCode(200);

        unfreeze(user.id(), "Ticket SEC-1042: owner confirmed at the branch").statusCode(200)
                .body("status", equalTo("active")).body("frozenAt", nullValue()).body("frozenReason", nullValue());

        // The device is still bound: the password alone signs in again.
        login(user.phone().typed(), user.password(), device, freshAddress()).statusCode(201)
                .body("refreshToken", notNullValue());
        refresh(refreshToken).statusCode(400).body("error", equalTo("invalid_grant"));
        JsonObject audit = new JsonObject(queryText("SELECT row_to_json(a)::text FROM audit_event a WHERE type = "
                + "'user-unfreeze' AND user_id = '" + user.id() + "'"));
        assertEquals(TestClients.OPS_TOOL, audit.getString("actor"));
        assertEquals(REASON, audit.getJsonObject("detail").getString("frozenReason"));
        assertEquals(1, count("SELECT count(*) FROM kessai_outbox WHERE path = '/v1/internal/accounts/customers/"
                + user.id() + "/unfreeze' AND body->>'reason' = 'Ticket SEC-1042: owner confirmed at the branch'"));
        assertEquals(List.of("/freeze " + REASON, "/unfreeze Ticket SEC-1042: owner confirmed at the branch"),
                TestUsers.paymentCalls(user.id()));
    }

    @Test
    void aPendingRegistrationCannotBeFrozen() {
        TestUsers.Phone phone = TestUsers.Phone.fresh();
        given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", phone.typed(), "password", TestUsers.PASSWORD)).post("/v1/registrations")
                .then().statusCode(202);
        UUID pending = UUID.fromString(queryText("SELECT id FROM app_user WHERE phone_e164 = '" + phone.e164()
                + "'"));
        ops().queryParam("phone", phone.typed()).get("/v1/ops/users").then().statusCode(200)
                .body("status", equalTo("pending")).body("activatedAt", nullValue());
        expectProblem(freeze(pending, REASON), 409, "user-pending");
        expectProblem(unfreeze(pending, REASON), 409, "user-pending");
        assertEquals("pending", queryText("SELECT status FROM app_user WHERE id = '" + pending + "'"));
        assertEquals(0, liveWalletCalls(pending));
    }

    @Test
    void badBodiesAreRefusedAndChangeNothing() {
        User user = TestUsers.registered();
        String path = "/v1/ops/users/" + user.id() + "/freeze";
        expectProblem(ops().contentType(ContentType.JSON).body("{}").post(path).then(), 400, "validation-failed")
                .body("errors.field", hasItem("reason"));
        expectProblem(ops().contentType(ContentType.JSON).body(Map.of("reason", "  ")).post(path).then(), 400,
                "validation-failed").body("errors.field", hasItem("reason"));
        expectProblem(ops().contentType(ContentType.JSON).body(Map.of("reason", "x".repeat(501))).post(path).then(),
                400, "validation-failed").body("errors.field", hasItem("reason"));
        expectProblem(ops().contentType(ContentType.JSON).post(path).then(), 400, "validation-failed");
        expectProblem(ops().contentType(ContentType.JSON).body("{\"reason\": ").post(path).then(), 400,
                "malformed-body");
        expectProblem(ops().contentType(ContentType.JSON).body("{\"reason\": 42, \"extra\": true}").post(path)
                .then(), 400, "malformed-body");
        expectProblem(ops().contentType(ContentType.JSON).body(Map.of("reason", "x".repeat(501)))
                .post("/v1/ops/users/" + user.id() + "/devices/" + newDeviceId() + "/freeze").then(), 400,
                "validation-failed");
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + user.id() + "'"));
        assertEquals(0, liveWalletCalls(user.id()));
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE type = 'user-freeze' AND user_id = '"
                + user.id() + "'"));

        // 500 characters is the most wallet-service keeps.
        freeze(user.id(), "x".repeat(500)).statusCode(200).body("frozenReason", equalTo("x".repeat(500)));
    }

    // --- freezing a device --------------------------------------------------------------------------------------

    @Test
    void freezingADeviceStopsOnlyThatDevice() {
        User user = TestUsers.registered();
        String stolen = newDeviceId();
        String other = newDeviceId();
        String stolenRefresh = TestUsers.signedIn(user, stolen).getString("refreshToken");
        String otherRefresh = TestUsers.signedIn(user, other).getString("refreshToken");

        device(user.id(), stolen, "freeze").statusCode(200)
                .body("deviceId", equalTo(stolen)).body("status", equalTo("frozen"))
                .body("frozenReason", equalTo(REASON));

        refresh(stolenRefresh).statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(otherRefresh).statusCode(200).body("refresh_token", notNullValue());
        expectProblem(login(user.phone().typed(), user.password(), stolen, freshAddress()), 401,
                "invalid-credentials");
        login(user.phone().typed(), user.password(), other, freshAddress()).statusCode(201);
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + user.id() + "'"));
        assertEquals(0, liveWalletCalls(user.id()));

        JsonObject audit = new JsonObject(queryText("SELECT row_to_json(a)::text FROM audit_event a WHERE type = "
                + "'device-freeze' AND user_id = '" + user.id() + "'"));
        assertEquals(stolen, audit.getString("device_id"));
        assertEquals(TestClients.OPS_TOOL, audit.getString("actor"));
        assertEquals(1, audit.getJsonObject("detail").getInteger("sessionsRevoked"));
        assertEquals(List.of("/devices/" + stolen + "/freeze " + REASON), TestUsers.paymentCalls(user.id()));

        ops().get("/v1/ops/users/" + user.id()).then().statusCode(200)
                .body("devices.find { it.deviceId == '" + stolen + "' }.status", equalTo("frozen"))
                .body("devices.find { it.deviceId == '" + other + "' }.status", equalTo("active"));

        // Again: the same state, nothing more audited.
        device(user.id(), stolen, "freeze").statusCode(200).body("status", equalTo("frozen"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'device-freeze' AND user_id = '"
                + user.id() + "'"));

        device(user.id(), stolen, "unfreeze").statusCode(200).body("status", equalTo("active"))
                .body("frozenReason", nullValue());
        login(user.phone().typed(), user.password(), stolen, freshAddress()).statusCode(201);
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'device-unfreeze' AND user_id = '"
                + user.id() + "' AND device_id = '" + stolen + "' AND actor = '" + TestClients.OPS_TOOL + "'"));
        // The repeated freeze queued nothing more.
        assertEquals(List.of("/devices/" + stolen + "/freeze " + REASON, "/devices/" + stolen + "/unfreeze " + REASON),
                TestUsers.paymentCalls(user.id()));
    }

    @Test
    void anUnknownDeviceIsNotFound() {
        User user = TestUsers.registered();
        String mine = newDeviceId();
        TestUsers.signedIn(user, mine);
        User someoneElse = TestUsers.registered();
        expectProblem(device(user.id(), newDeviceId(), "freeze"), 404, "device-not-found");
        expectProblem(device(user.id(), "short", "unfreeze"), 404, "device-not-found");
        // A device id of another user is not this user's device.
        expectProblem(device(someoneElse.id(), mine, "freeze"), 404, "device-not-found");
        assertEquals("active", queryText("SELECT status FROM device WHERE user_id = '" + user.id() + "'"));
    }

    // --- the audit log ------------------------------------------------------------------------------------------

    @Test
    void theAuditLogIsSearchedNewestFirstAPageAtATime() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        TestUsers.signedIn(user, device);
        freeze(user.id(), REASON).statusCode(200);
        unfreeze(user.id(), "undo").statusCode(200);
        freeze(user.id(), "again").statusCode(200);

        List<Integer> ids = ops().queryParam("userId", user.id().toString()).get("/v1/ops/audit").then()
                .statusCode(200).body("nextCursor", nullValue()).extract().path("events.id");
        assertTrue(ids.size() >= 5, "login challenge, device bound, login, freeze, unfreeze, freeze: " + ids);
        List<Integer> sorted = new ArrayList<>(ids);
        sorted.sort((a, b) -> Integer.compare(b, a));
        assertEquals(sorted, ids);

        ops().queryParam("userId", user.id().toString()).queryParam("type", "user-freeze").get("/v1/ops/audit")
                .then().statusCode(200).body("events", hasSize(2))
                .body("events[0].detail.reason", equalTo("again"))
                .body("events[0].actor", equalTo(TestClients.OPS_TOOL))
                .body("events[0].phone", equalTo(user.phone().e164()))
                .body("events[0].userId", equalTo(user.id().toString()))
                .body("events[0].outcome", equalTo("success"))
                .body("events[0].at", notNullValue())
                .body("events[1].detail.reason", equalTo(REASON));

        // Two at a time, following the cursor, gives the same events.
        List<Integer> paged = new ArrayList<>();
        String cursor = null;
        do {
            RequestSpecification request = ops().queryParam("userId", user.id().toString()).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            ValidatableResponse page = request.get("/v1/ops/audit").then().statusCode(200);
            List<Integer> got = page.extract().path("events.id");
            assertTrue(got.size() <= 2);
            paged.addAll(got);
            cursor = page.extract().path("nextCursor");
        } while (cursor != null);
        assertEquals(ids, paged);

        // By phone in any form, by device, by outcome and time.
        ops().queryParam("phone", user.phone().typed()).queryParam("type", "login").get("/v1/ops/audit").then()
                .statusCode(200).body("events", hasSize(1)).body("events[0].deviceId", equalTo(device));
        ops().queryParam("deviceId", device).queryParam("outcome", "success").get("/v1/ops/audit").then()
                .statusCode(200).body("events.type", hasItem("device-bound"));
        ops().queryParam("address", "198.51.100.7").queryParam("userId", user.id().toString())
                .get("/v1/ops/audit").then().statusCode(200).body("events", hasSize(3));
        ops().queryParam("userId", user.id().toString()).queryParam("from", "2999-01-01T00:00:00Z")
                .get("/v1/ops/audit").then().statusCode(200).body("events", hasSize(0))
                .body("nextCursor", nullValue());
        ops().queryParam("userId", user.id().toString()).queryParam("to", "2000-01-01T00:00:00+09:00")
                .get("/v1/ops/audit").then().statusCode(200).body("events", hasSize(0));
        ops().queryParam("userId", UUID.randomUUID().toString()).get("/v1/ops/audit").then().statusCode(200)
                .body("events", hasSize(0));
    }

    @Test
    void anAuditSearchNeedsAFilterAndSaneValues() {
        expectProblem(ops().get("/v1/ops/audit").then(), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("address", "deviceId", "phone", "type", "userId")));
        expectProblem(ops().queryParam("outcome", "failure").queryParam("from", "2026-01-01T00:00:00Z")
                .get("/v1/ops/audit").then(), 400, "validation-failed");
        String user = UUID.randomUUID().toString();
        Map<String, String> bad = Map.of("limit", "0", "type", "teleport", "outcome", "maybe",
                "from", "yesterday", "to", "2026-13-01T00:00:00Z", "deviceId", "short", "phone", "12",
                "userId", "nobody");
        for (Map.Entry<String, String> param : bad.entrySet()) {
            RequestSpecification request = ops().queryParam(param.getKey(), param.getValue());
            if (!param.getKey().equals("userId")) {
                request.queryParam("userId", user);
            }
            expectProblem(request.get("/v1/ops/audit").then(), 400, "validation-failed")
                    .body("errors.field", hasItem(param.getKey()));
        }
        for (String limit : List.of("201", "-1", "ten", "1.5")) {
            expectProblem(ops().queryParam("userId", user).queryParam("limit", limit).get("/v1/ops/audit").then(),
                    400, "validation-failed").body("errors.field", equalTo(List.of("limit")));
        }
        ops().queryParam("userId", user).queryParam("limit", 200).get("/v1/ops/audit").then().statusCode(200);
        expectProblem(ops().queryParam("userId", user).queryParam("from", "2026-02-01T00:00:00Z")
                .queryParam("to", "2026-01-01T00:00:00Z").get("/v1/ops/audit").then(), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("to")));
        for (String cursor : List.of("not-ours", "YTA", "eDEy")) {
            expectProblem(ops().queryParam("userId", user).queryParam("cursor", cursor).get("/v1/ops/audit").then(),
                    400, "invalid-cursor").body("errors[0].field", equalTo("cursor"));
        }
    }

    @Test
    void auditPagesDefaultToFifty() {
        String address = TestUsers.freshIpv6Address();
        execute("INSERT INTO audit_event (type, outcome, address) SELECT 'login', 'failure', '" + address
                + "' FROM generate_series(1, 120)");
        ValidatableResponse first = ops().queryParam("address", address).get("/v1/ops/audit").then().statusCode(200)
                .body("events", hasSize(50));
        String cursor = first.extract().path("nextCursor");
        assertNotNull(cursor);
        ops().queryParam("address", address).queryParam("cursor", cursor).queryParam("limit", 200)
                .get("/v1/ops/audit").then().statusCode(200).body("events", hasSize(70))
                .body("nextCursor", nullValue());
        assertNull(ops().queryParam("address", address).queryParam("limit", 120).get("/v1/ops/audit").then()
                .statusCode(200).body("events", hasSize(120)).extract().path("nextCursor"));
    }
}
