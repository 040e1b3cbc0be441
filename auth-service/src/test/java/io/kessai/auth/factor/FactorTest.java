package io.kessai.auth.factor;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.pastResendInterval;
import static io.kessai.auth.TestUsers.secondFactor;
import static io.kessai.auth.TestUsers.sentCode;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.imageio.ImageIO;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

import io.kessai.auth.AccountType;
import io.kessai.auth.AuthConfig;
import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.token.AccessTokens;
import io.kessai.auth.token.SigningKeys;
import io.kessai.auth.totp.Totp;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class FactorTest {

    @Inject
    AccessTokens tokens;

    @Inject
    AuthConfig config;

    @Inject
    SigningKeys signingKeys;

    record Session(User user, String deviceId, JsonObject tokens) {

        String access() {
            return tokens.getString("accessToken");
        }
    }

    static Session signedIn() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        return new Session(user, device, TestUsers.signedIn(user, device));
    }

    static ValidatableResponse post(String token, String path, Map<String, ?> body) {
        var request = given().auth().oauth2(token).header("X-Forwarded-For", freshAddress());
        if (body != null) {
            request = request.contentType(ContentType.JSON).body(body);
        }
        return request.post(path).then();
    }

    /** A step-up token through the SMS path, as the app gets one. */
    static String stepUpBySms(Session session) {
        return TestUsers.stepUpBySms(session.user(), session.access());
    }

    static JsonObject claims(String jwt) {
        return TestUsers.claimsOf(jwt);
    }

    @Test
    void stepUpBySmsGivesAShortLivedTokenMarkedStepUp() {
        Session session = signedIn();
        pastResendInterval(session.user().phone());
        String challenge = post(session.access(), "/v1/step-up/sms", null).statusCode(202).extract()
                .path("challengeId");
        String code = sentCode(session.user().phone().e164()).getJsonObject("data").getString("code");

        // Someone else's session cannot use this user's code.
        Session other = signedIn();
        expectProblem(post(other.access(), "/v1/step-up", Map.of("method", "sms", "code", code, "challengeId",
                challenge)), 400, "invalid-code");

        long before = Instant.now().getEpochSecond();
        String token = post(session.access(), "/v1/step-up", Map.of("method", "sms", "code", code, "challengeId",
                challenge)).statusCode(201).header("Cache-Control", "no-store").body("expiresIn", equalTo(300))
                .extract().path("accessToken");
        long after = Instant.now().getEpochSecond();
        JsonObject claims = claims(token);
        assertEquals("step-up", claims.getString("acr"));
        assertEquals(List.of("sms"), claims.getJsonArray("amr").getList());
        assertEquals(session.deviceId(), claims.getString("did"));
        Long bound = claims(session.access()).getLong("device_bound_at");
        assertTrue(bound != null, "the session's device is bound");
        assertEquals(bound, claims.getLong("device_bound_at"));
        // The moment of the step-up itself, however long the request took.
        assertTrue(claims.getLong("auth_time") >= before && claims.getLong("auth_time") <= after,
                claims.getLong("auth_time") + " not in [" + before + ", " + after + "]");
        assertEquals(session.user().id().toString(), claims.getString("sub"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'step-up' AND user_id = '"
                + session.user().id() + "'"));

        // The code was used: replaying it fails.
        expectProblem(post(session.access(), "/v1/step-up", Map.of("method", "sms", "code", code, "challengeId",
                challenge)), 400, "code-expired");
        expectProblem(post(session.access(), "/v1/step-up", Map.of("method", "sms", "code", code)), 400,
                "validation-failed");
    }

    @Test
    void anAuthenticatorAppIsEnrolledConfirmedUsedAtSignInAndNeverAcceptsACodeTwice() throws Exception {
        Session session = signedIn();
        expectProblem(post(session.access(), "/v1/me/factors/totp", null), 403, "step-up-required");
        String stepped = stepUpBySms(session);
        JsonObject enrollment = new JsonObject(post(stepped, "/v1/me/factors/totp", null).statusCode(201)
                .extract().asString());
        byte[] secret = decodeBase32(enrollment.getString("secret"));
        String uri = enrollment.getString("otpauthUri");
        assertTrue(uri.startsWith("otpauth://totp/Kessai:"), uri);
        assertTrue(uri.contains("secret=" + enrollment.getString("secret")), uri);
        BufferedImage qr = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(enrollment.getString(
                "qrPng"))));
        // The PNG is a rendered code, not a photo: told so (and to try hard), the reader finds it for every secret;
        // without the hints it missed one random secret's code in a run.
        assertEquals(uri, new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(
                new BufferedImageLuminanceSource(qr))), Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE,
                        DecodeHintType.TRY_HARDER, Boolean.TRUE))
                .getText());

        expectProblem(post(stepped, "/v1/me/factors/totp/confirm", Map.of("code", TestUsers.wrongTotpCode(secret))),
                400, "invalid-code");
        long step = Totp.stepOf(Instant.now());
        String current = Totp.codeAt(secret, step);
        List<String> recovery = new JsonObject(post(stepped, "/v1/me/factors/totp/confirm", Map.of("code", current))
                .statusCode(200).body("totp", equalTo("active")).extract().asString())
                .getJsonArray("recoveryCodes").getList();
        assertEquals(10, recovery.size());
        given().auth().oauth2(session.access()).get("/v1/me/factors").then().statusCode(200)
                .body("totp", equalTo("active")).body("recoveryCodesLeft", equalTo(10));
        assertEquals(1, count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'security.factor_changed' "
                + "AND body->'data'->>'factor' = 'totp_enabled' AND body->'recipient'->>'userId' = '"
                + session.user().id() + "'"));
        expectProblem(post(stepped, "/v1/me/factors/totp", null), 409, "factor-already-enabled");

        // A new device now offers the app, and no SMS goes out unasked.
        String address = freshAddress();
        long smsBefore = count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'otp.sms' AND "
                + "body->'recipient'->>'userId' = '" + session.user().id() + "'");
        String challenge = login(session.user().phone().typed(), session.user().password(), newDeviceId(), address)
                .statusCode(202).body("factors", equalTo(List.of("sms", "totp", "recovery")))
                .body("smsSent", equalTo(false)).extract().path("challengeId");
        assertEquals(smsBefore, count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'otp.sms' AND "
                + "body->'recipient'->>'userId' = '" + session.user().id() + "'"));
        // The code that confirmed the enrollment was used: it never opens anything again.
        expectProblem(secondFactor(challenge, "totp", current, address), 400, "invalid-code");
        // The app's next code: a later step than the one used, and read just before it is typed, so that it is still
        // in the server's window however long the steps before took.
        String next = Totp.codeAt(secret, Math.max(step + 1, Totp.stepOf(Instant.now())));
        secondFactor(challenge, "totp", next, address).statusCode(201);
        String another = login(session.user().phone().typed(), session.user().password(), newDeviceId(), address)
                .statusCode(202).extract().path("challengeId");
        expectProblem(secondFactor(another, "totp", next, address), 400, "invalid-code");

        // A recovery code signs in once, and says how many are left.
        secondFactor(another, "recovery", recovery.get(0).toLowerCase(), address).statusCode(201)
                .body("recoveryCodesLeft", equalTo(9));
        String third = login(session.user().phone().typed(), session.user().password(), newDeviceId(), address)
                .statusCode(202).extract().path("challengeId");
        expectProblem(secondFactor(third, "recovery", recovery.get(0), address), 400, "invalid-code");

        // Removing the app needs a step-up; done with the app itself.
        expectProblem(given().auth().oauth2(session.access()).delete("/v1/me/factors/totp").then(), 403,
                "step-up-required");
        // The app's last code was used at sign-in, so it cannot step up either.
        expectProblem(post(session.access(), "/v1/step-up", Map.of("method", "totp", "code", next)), 400,
                "invalid-code");
        String steppedAgain = stepUpBySms(session);
        given().auth().oauth2(steppedAgain).delete("/v1/me/factors/totp").then().statusCode(204);
        given().auth().oauth2(session.access()).get("/v1/me/factors").then().body("totp", equalTo("none"));
        expectProblem(given().auth().oauth2(steppedAgain).delete("/v1/me/factors/totp").then(), 404,
                "factor-not-enabled");
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'factor-change' AND user_id = '"
                + session.user().id() + "' AND detail->>'change' = 'totp_disabled'"));
    }

    @Test
    void guessingAuthenticatorCodesIsCappedPerAccount() {
        Session session = signedIn();
        String stepped = stepUpBySms(session);
        post(stepped, "/v1/me/factors/totp", null).statusCode(201);
        int refused = 0;
        for (int i = 0; i < 11; i++) {
            int status = post(session.access(), "/v1/step-up", Map.of("method", "totp", "code",
                    String.format("%06d", i))).extract().statusCode();
            refused += status == 429 ? 1 : 0;
        }
        assertEquals(1, refused, "ten tries per account, then 429");
        assertEquals(10, count("SELECT count(*) FROM audit_event WHERE type = 'second-factor' AND outcome = "
                + "'failure' AND user_id = '" + session.user().id() + "'"));
    }

    @Test
    void recoveryCodesAreReplacedOnlyWithAStepUpAndTheOldOnesStopWorking() {
        Session session = signedIn();
        expectProblem(post(session.access(), "/v1/me/recovery-codes", null), 403, "step-up-required");
        String stepped = stepUpBySms(session);
        List<?> first = post(stepped, "/v1/me/recovery-codes", null).statusCode(201).body("codes", hasSize(10))
                .extract().path("codes");
        List<?> second = post(stepped, "/v1/me/recovery-codes", null).statusCode(201).extract().path("codes");
        expectProblem(post(session.access(), "/v1/step-up", Map.of("method", "recovery", "code", first.get(0))),
                400, "invalid-code");
        post(session.access(), "/v1/step-up", Map.of("method", "recovery", "code", second.get(0))).statusCode(201);
        assertEquals(2, count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'security.factor_changed' "
                + "AND body->'data'->>'factor' = 'recovery_codes_replaced' AND body->'recipient'->>'userId' = '"
                + session.user().id() + "'"));
    }

    @Test
    void aStaleOrPlainTokenIsNotAStepUp() {
        Session session = signedIn();
        JsonObject claims = claims(session.access());
        String stale = tokens.issueForUser(session.user().id(), AccountType.CUSTOMER, session.deviceId(), null,
                UUID.fromString(claims.getString("sid")), List.of("sms"), AccessTokens.ACR_STEP_UP,
                Instant.now().minus(Duration.ofMinutes(6)), Duration.ofMinutes(5)).value();
        expectProblem(post(stale, "/v1/me/recovery-codes", null), 403, "step-up-required");
        String fresh = tokens.issueForUser(session.user().id(), AccountType.CUSTOMER, session.deviceId(), null,
                UUID.fromString(claims.getString("sid")), List.of("sms"), AccessTokens.ACR_STEP_UP, Instant.now(),
                Duration.ofMinutes(5)).value();
        post(fresh, "/v1/me/recovery-codes", null).statusCode(201);
        // A step-up token of a session that was signed out opens nothing.
        given().auth().oauth2(session.access()).delete("/v1/sessions/current").then().statusCode(204);
        expectProblem(post(fresh, "/v1/me/recovery-codes", null), 401, "session-ended");
    }

    @Test
    void devicesAreListedAndAnotherDeviceCanBeSignedOut() {
        Session session = signedIn();
        String otherDevice = newDeviceId();
        JsonObject other = TestUsers.signedIn(session.user(), otherDevice);
        given().auth().oauth2(session.access()).get("/v1/me/devices").then().statusCode(200)
                .body("$", hasSize(2)).body("find { it.deviceId == '" + session.deviceId() + "' }.current",
                        equalTo(true));
        given().auth().oauth2(session.access()).delete("/v1/me/devices/" + otherDevice).then().statusCode(204);
        TestUsers.refresh(other.getString("refreshToken")).statusCode(400).body("error", equalTo("invalid_grant"));
        expectProblem(given().auth().oauth2(session.access()).delete("/v1/me/devices/" + otherDevice).then(), 404,
                "device-not-found");
        // payment-service is told once, so it revokes the unbound device's payment keys.
        assertEquals(List.of("/devices/" + otherDevice + "/unbinding unbound by the user from device "
                + session.deviceId()), TestUsers.paymentCalls(session.user().id()));
        // Another user's device is not found either.
        Session stranger = signedIn();
        expectProblem(given().auth().oauth2(stranger.access()).delete("/v1/me/devices/" + session.deviceId()).then(),
                404, "device-not-found");
    }

    @Test
    void badTokensAndWrongRolesAreRefused() {
        // The key that signs now, as the service holds it: a token it mints differs from a real one only where the
        // test makes it differ (expired, unsigned, another key, another issuer).
        TokenMinter minter = new TokenMinter(signingKeys.current(), config.issuer());
        String user = UUID.randomUUID().toString();
        expectProblem(given().get("/v1/me/factors").then(), 401, "unauthorized");
        for (String bad : List.of(minter.expiredToken(user, "customer"), minter.unsignedToken(user, "customer"),
                minter.tokenSignedByStranger(user, "customer"), minter.tokenFromIssuer("https://evil.example", user,
                        "customer"),
                minter.tokenSignedWithAlgorithm("RS512", user, "customer"),
                // Issued or valid only an hour from now: minted with a stolen key or by a broken clock.
                minter.tokenIssuedAt(java.time.Instant.now().plusSeconds(3600), user, "customer"),
                minter.tokenNotBefore(java.time.Instant.now().plusSeconds(3600), user, "customer"),
                "garbage")) {
            expectProblem(given().auth().oauth2(bad).get("/v1/me/factors").then(), 401, "unauthorized");
        }
        String service = given().auth().preemptive().basic(TestClients.PAYMENT, TestClients.secretOf(
                TestClients.PAYMENT)).formParam("grant_type", "client_credentials").post("/oauth2/token").then()
                .statusCode(200).extract().path("access_token");
        expectProblem(given().auth().oauth2(service).get("/v1/me/factors").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(minter.token(user, "customer")).contentType(ContentType.JSON)
                .body("{\"method\": \"totp\", \"code\": 5}x").post("/v1/step-up").then(), 400, "malformed-body");
        expectProblem(given().auth().oauth2(minter.token(user, "customer")).contentType(ContentType.JSON)
                .body(Map.of("method", "totp", "code", "1".repeat(33))).post("/v1/step-up").then(), 400,
                "validation-failed");
    }

    private static byte[] decodeBase32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        byte[] out = new byte[text.length() * 5 / 8];
        long buffer = 0;
        int bits = 0;
        int index = 0;
        for (char c : text.toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(c);
            bits += 5;
            if (bits >= 8) {
                out[index++] = (byte) (buffer >> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }
}
