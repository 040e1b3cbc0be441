package io.kessai.auth.device;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.keyOf;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.refresh;
import static io.kessai.auth.TestUsers.secondFactor;
import static io.kessai.auth.TestUsers.sentCode;
import static io.kessai.auth.TestUsers.url;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.session.ExpiredRecordsPurge;
import io.kessai.testing.DeviceKey;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

/**
 * Devices prove possession (issue 12, finding 3): a device id the client names proves nothing; only a proof of the key
 * the device was bound to lets the password alone in, and refresh tokens work only with proofs of that key.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class DeviceKeyTest {

    private static final String SESSIONS = "/v1/sessions";

    static JsonObject claims(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
    }

    private static User signedInOn(String device) {
        User user = TestUsers.registered();
        TestUsers.signedIn(user, device);
        return user;
    }

    /** A sign-in sent with exactly this DPoP header (or none). */
    private static ValidatableResponse rawLogin(User user, String device, String dpop) {
        var request = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", user.phone().typed(), "password", user.password(), "deviceId", device,
                        "deviceName", "Test phone"));
        return (dpop == null ? request : request.header("DPoP", dpop)).post(SESSIONS).then();
    }

    /** A nonce the server hands out now. */
    private static String nonce() {
        return given().contentType(ContentType.JSON).body("{}").post(SESSIONS).then().statusCode(400)
                .extract().header("DPoP-Nonce");
    }

    @Test
    void theBoundDeviceIdWithoutItsKeyMustPassTheSecondFactor() {
        String device = newDeviceId();
        User user = signedInOn(device);
        assertEquals(keyOf(device).thumbprint(), queryText("SELECT key_thumbprint FROM device WHERE user_id = '"
                + user.id() + "' AND device_id = '" + device + "'"));
        assertEquals(new JsonObject(keyOf(device).publicJwk()), new JsonObject(queryText("SELECT public_key::text "
                + "FROM device WHERE user_id = '" + user.id() + "' AND device_id = '" + device + "'")));

        // The attack: the password and the bound device's id, from anywhere else. No session, a challenge.
        TestUsers.pastResendInterval(user.phone());
        login(user.phone().typed(), user.password(), device, freshAddress(), null).statusCode(202)
                .body("challengeId", notNullValue());
        TestUsers.pastResendInterval(user.phone());
        login(user.phone().typed(), user.password(), device, freshAddress(), DeviceKey.generate()).statusCode(202);
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'login-challenge' AND user_id = '"
                + user.id() + "' AND detail->>'deviceKey' = 'no-proof'"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'login-challenge' AND user_id = '"
                + user.id() + "' AND detail->>'deviceKey' = 'other-key'"));
        assertEquals(1, count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id() + "'"),
                "only the first sign-in started a session");

        // The device itself, with its key: the password alone.
        String access = login(user.phone().typed(), user.password(), device, freshAddress()).statusCode(201)
                .extract().path("accessToken");
        assertEquals(List.of("pwd", "pop"), claims(access).getJsonArray("amr").getList());
        assertEquals(keyOf(device).thumbprint(), queryText("SELECT key_thumbprint FROM refresh_family WHERE id = '"
                + claims(access).getString("sid") + "'"));
    }

    @Test
    void aSecondDeviceWithTheSameIdPassesTheSecondFactorAndTakesTheBindingOver() {
        String device = newDeviceId();
        User user = signedInOn(device);
        DeviceKey other = DeviceKey.generate();
        TestUsers.pastResendInterval(user.phone());
        String challenge = login(user.phone().typed(), user.password(), device, freshAddress(), other)
                .statusCode(202).extract().path("challengeId");
        String code = sentCode(user.phone().e164()).getJsonObject("data").getString("code");
        String address = freshAddress();

        // The second factor must come from the key the sign-in started with.
        expectProblem(secondFactor(challenge, "sms", code, address, keyOf(device)), 400, "invalid-dpop-proof");
        expectProblem(secondFactor(challenge, "sms", code, address, null), 400, "invalid-dpop-proof");
        secondFactor(challenge, "sms", code, address, other).statusCode(201).body("refreshToken", notNullValue());

        assertEquals(other.thumbprint(), queryText("SELECT key_thumbprint FROM device WHERE user_id = '" + user.id()
                + "' AND device_id = '" + device + "'"));
        assertEquals(2, count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'security.new_device' "
                + "AND body->'recipient'->>'userId' = '" + user.id() + "'"), "the owner heard of the new binding");
        TestUsers.pastResendInterval(user.phone());
        login(user.phone().typed(), user.password(), device, freshAddress(), keyOf(device)).statusCode(202);
        login(user.phone().typed(), user.password(), device, freshAddress(), other).statusCode(201);
    }

    @Test
    void aSignInWithoutADeviceKeyAlwaysNeedsTheSecondFactorAndGetsNoRefreshToken() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        for (int i = 0; i < 2; i++) {
            TestUsers.pastResendInterval(user.phone());
            String address = freshAddress();
            String challenge = login(user.phone().typed(), user.password(), device, address, null).statusCode(202)
                    .extract().path("challengeId");
            String code = sentCode(user.phone().e164()).getJsonObject("data").getString("code");
            JsonObject session = new JsonObject(secondFactor(challenge, "sms", code, address, null).statusCode(201)
                    .body("accessToken", notNullValue()).body("refreshToken", nullValue()).extract().asString());
            assertEquals(List.of("pwd", "sms"), claims(session.getString("accessToken")).getJsonArray("amr")
                    .getList());
        }
        assertNull(queryText("SELECT key_thumbprint FROM device WHERE user_id = '" + user.id() + "'"));
        assertEquals(0, count("SELECT count(*) FROM refresh_token t JOIN refresh_family f ON f.id = t.family_id "
                + "WHERE f.user_id = '" + user.id() + "'"));
    }

    @Test
    void aStolenRefreshTokenIsUselessWithAnotherKeyAndEndsItsFamily() {
        String device = newDeviceId();
        User user = TestUsers.registered();
        String refreshToken = TestUsers.signedIn(user, device).getString("refreshToken");

        // Without a proof: refused, and the token still works for its device.
        given().formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken)
                .post("/oauth2/token").then().statusCode(400).body("error", equalTo("invalid_dpop_proof"))
                .header("DPoP-Nonce", notNullValue());
        String rotated = refresh(refreshToken).statusCode(200).extract().path("refresh_token");

        // The thief's key: refused, the family ends (the owner signs in again), and it is audited.
        refresh(rotated, DeviceKey.generate()).statusCode(400).body("error", equalTo("invalid_grant"));
        assertEquals("key-mismatch", queryText("SELECT f.revoked_reason FROM refresh_family f JOIN refresh_token t "
                + "ON t.family_id = f.id WHERE t.token_hash = encode(sha256('" + rotated + "'), 'hex')"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'refresh-token-key-mismatch' "
                + "AND user_id = '" + user.id() + "' AND outcome = 'refused'"));
        refresh(rotated).statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aProofNeedsAFreshNonceOfThisServerAndChangesNothingBeforeIt() {
        String device = newDeviceId();
        User user = signedInOn(device);
        DeviceKey key = keyOf(device);
        long audited = count("SELECT count(*) FROM audit_event WHERE user_id = '" + user.id() + "'");

        ValidatableResponse withoutNonce = rawLogin(user, device, key.proof("POST", url(SESSIONS), null,
                UUID.randomUUID().toString(), Instant.now()));
        expectProblem(withoutNonce, 400, "use-dpop-nonce");
        String nonce = withoutNonce.extract().header("DPoP-Nonce");
        assertNotNull(nonce);
        byte[] forged = Base64.getUrlDecoder().decode(nonce);
        forged[forged.length - 1] ^= 1;
        expectProblem(rawLogin(user, device, key.proof("POST", url(SESSIONS),
                Base64.getUrlEncoder().withoutPadding().encodeToString(forged), UUID.randomUUID().toString(),
                Instant.now())), 400, "use-dpop-nonce");
        assertEquals(audited, count("SELECT count(*) FROM audit_event WHERE user_id = '" + user.id() + "'"),
                "nothing was checked or recorded");

        rawLogin(user, device, key.proof("POST", url(SESSIONS), nonce, UUID.randomUUID().toString(), Instant.now()))
                .statusCode(201).header("DPoP-Nonce", notNullValue());
        // At the token endpoint the same, in OAuth's words.
        given().formParam("grant_type", "refresh_token").formParam("refresh_token", "anything")
                .header("DPoP", key.proof("POST", url("/oauth2/token"), null, "t-" + UUID.randomUUID(),
                        Instant.now()))
                .post("/oauth2/token").then().statusCode(400).body("error", equalTo("use_dpop_nonce"))
                .header("DPoP-Nonce", notNullValue());
    }

    @Test
    void aReplayedProofIsRefusedBeforeThePasswordIsChecked() {
        String device = newDeviceId();
        User user = signedInOn(device);
        String proof = keyOf(device).proof("POST", url(SESSIONS), nonce(), UUID.randomUUID().toString(),
                Instant.now());
        rawLogin(user, device, proof).statusCode(201);
        long families = count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id() + "'");
        expectProblem(rawLogin(user, device, proof), 400, "invalid-dpop-proof");
        assertEquals(families, count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id() + "'"));
    }

    @Test
    void malformedAndMisdirectedProofsAreRefused() {
        String device = newDeviceId();
        User user = signedInOn(device);
        DeviceKey key = keyOf(device);
        String nonce = nonce();
        String url = url(SESSIONS);
        Instant now = Instant.now();
        String jwk = key.publicJwk();
        String claims = "{\"jti\":\"" + UUID.randomUUID() + "\",\"htm\":\"POST\",\"htu\":\"" + url + "\",\"iat\":"
                + now.getEpochSecond() + ",\"nonce\":\"" + nonce + "\"}";
        DeviceKey thief = DeviceKey.generate();
        JsonObject offCurve = new JsonObject(jwk);
        String y = offCurve.getString("y");
        offCurve.put("y", (y.charAt(0) == 'A' ? "B" : "A") + y.substring(1));

        List<String> refused = List.of(
                "not-a-jwt",
                "a.b.c",
                key.proof("GET", url, nonce, UUID.randomUUID().toString(), now),
                key.proof("POST", url("/v1/registrations"), nonce, UUID.randomUUID().toString(), now),
                key.proof("POST", SESSIONS, nonce, UUID.randomUUID().toString(), now),
                key.proof("POST", url, nonce, UUID.randomUUID().toString(), now.plusSeconds(120)),
                key.proof("POST", url, nonce, UUID.randomUUID().toString(), now.minusSeconds(900)),
                key.proof("POST", url, nonce, "", now),
                key.signed("{\"alg\":\"ES256\",\"jwk\":" + jwk + "}", claims),
                key.signed("{\"typ\":\"JWT\",\"alg\":\"ES256\",\"jwk\":" + jwk + "}", claims),
                key.signed("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}", claims),
                key.signed("{\"typ\":\"dpop+jwt\",\"alg\":\"ES384\",\"jwk\":" + jwk + "}", claims),
                key.signed("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + offCurve.encode() + "}", claims),
                key.signed("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":"
                        + new JsonObject(jwk).put("d", "AAAA").encode() + "}", claims),
                // The device's public key in the header, signed by someone else's key.
                thief.signed("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + jwk + "}", claims),
                unsigned("{\"typ\":\"dpop+jwt\",\"alg\":\"none\",\"jwk\":" + jwk + "}", claims),
                "x".repeat(DpopVerifier.MAX_PROOF_LENGTH + 1));
        long families = count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id() + "'");
        for (String proof : refused) {
            expectProblem(rawLogin(user, device, proof), 400, "invalid-dpop-proof");
        }
        assertEquals(families, count("SELECT count(*) FROM refresh_family WHERE user_id = '" + user.id() + "'"));
        assertNotEquals(0, families);
    }

    @Inject
    ExpiredRecordsPurge purge;

    @Test
    void spentProofsAreForgottenOnceTheirNonceCouldNoLongerBeAccepted() {
        String aged = "aged-" + UUID.randomUUID();
        String fresh = "fresh-" + UUID.randomUUID();
        execute("INSERT INTO dpop_proof (jti_hash, expires_at) VALUES ('" + aged + "', now() - interval '1 second'), "
                + "('" + fresh + "', now() + interval '5 minutes')");
        assertTrue(purge.purge().await().atMost(Duration.ofSeconds(10)) >= 1);
        assertEquals(0, count("SELECT count(*) FROM dpop_proof WHERE jti_hash = '" + aged + "'"));
        assertEquals(1, count("SELECT count(*) FROM dpop_proof WHERE jti_hash = '" + fresh + "'"));
    }

    private static String unsigned(String header, String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }
}
