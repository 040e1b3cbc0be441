package io.kessai.auth.login;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.refresh;
import static io.kessai.auth.TestUsers.secondFactor;
import static io.kessai.auth.TestUsers.sentCode;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.auth.session.ExpiredRecordsPurge;
import io.kessai.testing.PostgresResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class LoginTest {

    static JsonObject claims(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
    }

    @Test
    void aNewDeviceNeedsTheSmsCodeThenIsBoundAndAlerted() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        String address = freshAddress();
        String challenge = login(user.phone().typed(), user.password(), device, address).statusCode(202)
                .body("smsSent", equalTo(true)).body("factors", equalTo(List.of("sms")))
                .body("expiresAt", notNullValue()).extract().path("challengeId");
        JsonObject sms = sentCode(user.phone().e164());
        assertEquals("otp.sms", sms.getString("type"));
        String code = sms.getJsonObject("data").getString("code");

        String wrong = String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
        expectProblem(secondFactor(challenge, "sms", wrong, address), 400, "invalid-code");
        long before = Instant.now().getEpochSecond();
        JsonObject session = new JsonObject(secondFactor(challenge, "sms", code, address).statusCode(201)
                .header("Cache-Control", "no-store").body("tokenType", equalTo("Bearer"))
                .body("expiresIn", equalTo(300)).extract().asString());
        long after = Instant.now().getEpochSecond();

        JsonObject claims = claims(session.getString("accessToken"));
        assertEquals(user.id().toString(), claims.getString("sub"));
        assertEquals(List.of("customer"), claims.getJsonArray("groups").getList());
        assertEquals(device, claims.getString("did"));
        assertEquals(List.of("pwd", "sms", "pop"), claims.getJsonArray("amr").getList());
        assertEquals("aal2", claims.getString("acr"));
        assertEquals(session.getString("sessionId"), claims.getString("sid"));
        // The moment the second factor passed, however long the request took.
        assertTrue(claims.getLong("auth_time") >= before && claims.getLong("auth_time") <= after,
                claims.getLong("auth_time") + " not in [" + before + ", " + after + "]");
        assertNotEquals(null, claims.getString("jti"));
        // When this device was bound, for payment-service's rules on new devices.
        long bound = claims.getLong("device_bound_at");
        assertTrue(bound >= before && bound <= after, bound + " not in [" + before + ", " + after + "]");

        assertEquals("active", queryText("SELECT status FROM device WHERE user_id = '" + user.id()
                + "' AND device_id = '" + device + "'"));
        assertEquals(1, count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'security.new_device' "
                + "AND body->'recipient'->>'userId' = '" + user.id() + "' AND body->'data'->>'deviceName' = "
                + "'Test phone'"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'device-bound' AND user_id = '"
                + user.id() + "' AND device_id = '" + device + "' AND address = '" + address + "'"));
        expectProblem(secondFactor(challenge, "sms", code, address), 400, "code-expired");

        // The bound device now signs in with the password alone.
        String again = login(user.phone().typed(), user.password(), device, freshAddress()).statusCode(201)
                .extract().path("accessToken");
        assertEquals(List.of("pwd", "pop"), claims(again).getJsonArray("amr").getList());
        assertEquals(bound, claims(again).getLong("device_bound_at"));
    }

    @Test
    void aHashOfAnOlderCostIsReplacedAtSignInAndAnExpiredBindingAsksForTheSecondFactorAgain() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        TestUsers.signedIn(user, device);
        execute("UPDATE app_user SET password_hash = '" + PasswordHasher.hash(user.password(),
                new PasswordHasher.Cost(8192, 1, 1)) + "' WHERE id = '" + user.id() + "'");
        login(user.phone().typed(), user.password(), device, freshAddress()).statusCode(201);
        assertTrue(queryText("SELECT password_hash FROM app_user WHERE id = '" + user.id() + "'")
                .startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), "rehashed with the configured cost");

        execute("UPDATE device SET expires_at = now() - interval '1 second' WHERE user_id = '" + user.id() + "'");
        TestUsers.pastResendInterval(user.phone());
        login(user.phone().typed(), user.password(), device, freshAddress()).statusCode(202)
                .body("smsSent", equalTo(true));
    }

    @Test
    void unknownNumberWrongPasswordAndFrozenAccountLookTheSame() {
        User user = TestUsers.registered();
        User frozen = TestUsers.registered();
        execute("UPDATE app_user SET status = 'frozen' WHERE id = '" + frozen.id() + "'");
        List<String> bodies = new ArrayList<>();
        for (ValidatableResponse response : List.of(
                login(Phone.fresh().typed(), TestUsers.PASSWORD, newDeviceId(), freshAddress()),
                login(user.phone().typed(), "not-the-password-at-all", newDeviceId(), freshAddress()),
                login(frozen.phone().typed(), frozen.password(), newDeviceId(), freshAddress()))) {
            bodies.add(expectProblem(response, 401, "invalid-credentials").extract().jsonPath()
                    .getString("detail"));
        }
        assertEquals(1, bodies.stream().distinct().count(), bodies.toString());
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'login' AND outcome = 'failure' "
                + "AND user_id = '" + frozen.id() + "' AND detail->>'reason' = 'account-frozen'"));
    }

    @Test
    void fiveWrongPasswordsLockTheNumberKnownOrNot() {
        User user = TestUsers.registered();
        Phone unknown = Phone.fresh();
        double lockedBefore = lockouts("locked");
        double refusedBefore = lockouts("refused");
        for (String phone : List.of(user.phone().typed(), unknown.typed())) {
            for (int i = 0; i < 5; i++) {
                expectProblem(login(phone, "wrong-password-" + i, newDeviceId(), freshAddress()), 401,
                        "invalid-credentials");
            }
            // Locked now: even the right password is not checked, and the answer says when to come back.
            expectProblem(login(phone, user.password(), newDeviceId(), freshAddress()), 429, "login-locked")
                    .header("Retry-After", notNullValue());
        }
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'lockout' AND phone_e164 = '"
                + user.phone().e164() + "'"));
        // Both numbers were locked once and refused once; alerts read these (helm/kessai/files/prometheus-rules.yaml).
        assertEquals(lockedBefore + 2, lockouts("locked"));
        assertEquals(refusedBefore + 2, lockouts("refused"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("kessai_auth_lockouts_total{event=\"locked\"}"))
                .body(containsString("kessai_auth_lockouts_total{event=\"refused\"}"));
        // After the lock the right password works and clears the run of failures.
        execute("UPDATE login_lockout SET locked_until = now() WHERE phone_e164 = '" + user.phone().e164() + "'");
        login(user.phone().typed(), user.password(), newDeviceId(), freshAddress()).statusCode(202);
        assertEquals(0, count("SELECT count(*) FROM login_lockout WHERE phone_e164 = '" + user.phone().e164() + "'"));
    }

    @Test
    void parallelGuessesCannotSlipPastTheCount() throws Exception {
        User user = TestUsers.registered();
        // The common pool may have a single thread on a small machine: one thread per request makes them concurrent.
        ExecutorService clients = Executors.newFixedThreadPool(12);
        List<CompletableFuture<Integer>> guesses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            guesses.add(CompletableFuture.supplyAsync(() -> login(user.phone().typed(), "parallel-guess-" + n,
                    newDeviceId(), freshAddress()).extract().statusCode(), clients));
        }
        long checked = 0;
        for (CompletableFuture<Integer> guess : guesses) {
            int status = guess.get();
            assertTrue(status == 401 || status == 429, "status " + status);
            checked += status == 401 ? 1 : 0;
        }
        clients.shutdown();
        assertTrue(checked <= 5, checked + " passwords were checked; the lock allows 5");
    }

    @Test
    void oneAddressTryingManyAccountsIsThrottled() {
        String address = freshAddress();
        int refused = 0;
        for (int i = 0; i < 21; i++) {
            int status = login(Phone.fresh().typed(), "stuffed-password-" + i, newDeviceId(), address).extract()
                    .statusCode();
            refused += status == 429 ? 1 : 0;
        }
        assertEquals(1, refused, "20 sign-ins per address at once, then 429");
        expectProblem(login(Phone.fresh().typed(), "stuffed-password", newDeviceId(), address), 429,
                "too-many-requests").header("Retry-After", notNullValue());
    }

    @Test
    void refreshRotatesAndReuseRevokesTheFamily() {
        User user = TestUsers.registered();
        JsonObject session = TestUsers.signedIn(user, newDeviceId());
        String first = session.getString("refreshToken");
        String second = refresh(first).statusCode(200).header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer")).body("access_token", notNullValue())
                .extract().path("refresh_token");
        assertNotEquals(first, second);
        String third = refresh(second).statusCode(200).extract().path("refresh_token");

        // The first token again: someone copied it. The family ends, including the newest token.
        refresh(first).statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(third).statusCode(400).body("error", equalTo("invalid_grant"));
        assertEquals("reuse", queryText("SELECT revoked_reason FROM refresh_family WHERE id = '"
                + session.getString("sessionId") + "'"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'refresh-token-reuse' AND user_id = '"
                + user.id() + "'"));
        refresh("not-a-token").statusCode(400).body("error", equalTo("invalid_grant"));
        given().formParam("grant_type", "refresh_token").post("/oauth2/token").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    @Test
    void logoutEndsTheSessionAndAFrozenAccountCannotRefresh() {
        User user = TestUsers.registered();
        JsonObject session = TestUsers.signedIn(user, newDeviceId());
        given().formParam("token", session.getString("refreshToken")).post("/oauth2/revoke").then().statusCode(200);
        refresh(session.getString("refreshToken")).statusCode(400).body("error", equalTo("invalid_grant"));
        given().formParam("token", "unknown").post("/oauth2/revoke").then().statusCode(200);

        JsonObject other = TestUsers.signedIn(user, newDeviceId());
        given().auth().oauth2(other.getString("accessToken")).delete("/v1/sessions/current").then().statusCode(204);
        refresh(other.getString("refreshToken")).statusCode(400);
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'logout' AND user_id = '" + user.id()
                + "'"));

        JsonObject third = TestUsers.signedIn(user, newDeviceId());
        execute("UPDATE app_user SET status = 'frozen' WHERE id = '" + user.id() + "'");
        refresh(third.getString("refreshToken")).statusCode(400).body("error", equalTo("invalid_grant"));
        expectProblem(given().delete("/v1/sessions/current").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2("not.a.jwt").delete("/v1/sessions/current").then(), 401,
                "unauthorized");
    }

    @Inject
    MeterRegistry metrics;

    private double lockouts(String event) {
        return metrics.get("kessai.auth.lockouts").tag("event", event).counter().count();
    }

    @Inject
    ExpiredRecordsPurge purge;

    @Test
    void endedChallengesCodesAndFamiliesArePurgedAfterADay() {
        User user = TestUsers.registered();
        JsonObject session = TestUsers.signedIn(user, newDeviceId());
        JsonObject kept = TestUsers.signedIn(user, newDeviceId());
        execute("UPDATE login_challenge SET expires_at = now() - interval '25 hours' WHERE user_id = '" + user.id()
                + "'");
        execute("UPDATE otp_challenge SET expires_at = now() - interval '25 hours' WHERE destination = '"
                + user.phone().e164() + "'");
        execute("UPDATE refresh_family SET revoked_at = now() - interval '25 hours' WHERE id = '"
                + session.getString("sessionId") + "'");
        assertTrue(purge.purge().await().atMost(java.time.Duration.ofSeconds(10)) >= 4);
        assertEquals(0, count("SELECT count(*) FROM login_challenge WHERE user_id = '" + user.id() + "'"));
        assertEquals(0, count("SELECT count(*) FROM otp_challenge WHERE destination = '" + user.phone().e164()
                + "'"));
        assertEquals(0, count("SELECT count(*) FROM refresh_token t JOIN refresh_family f ON f.id = t.family_id "
                + "WHERE f.id = '" + session.getString("sessionId") + "'"));
        refresh(kept.getString("refreshToken")).statusCode(200);
    }

    @Test
    void malformedSignInsAreRefusedWithoutCountingAnything() {
        String address = freshAddress();
        expectProblem(given().contentType("application/json").header("X-Forwarded-For", address)
                .body(Map.of("phone", "090-1234-5678", "password", "x")).post("/v1/sessions").then(), 400,
                "validation-failed");
        expectProblem(given().contentType("application/json").header("X-Forwarded-For", address)
                .body(Map.of("phone", "090-1234-5678", "password", "some-password-here", "deviceId", "short",
                        "deviceName", "Phone"))
                .post("/v1/sessions").then(), 400, "validation-failed");
        expectProblem(login("12345", "some-password-here", newDeviceId(), address), 400, "invalid-phone-number");
        expectProblem(secondFactor("not-a-uuid", "sms", "123456", address), 400, "challenge-ended");
        expectProblem(secondFactor(java.util.UUID.randomUUID().toString(), "totp", "123456", address), 400,
                "challenge-ended");
        expectProblem(secondFactor(java.util.UUID.randomUUID().toString(), "fingerprint", "123456", address), 400,
                "validation-failed");
    }
}
