package io.kessai.auth.email;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.AccountType;
import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.token.AccessTokens;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class EmailTest {

    @Inject
    AccessTokens accessTokens;

    /** A signed-in user with a session token and a step-up token minted for that session. */
    record Signed(User user, String session, String stepUp) {
    }

    Signed signedIn() {
        User user = TestUsers.registered();
        String device = newDeviceId();
        JsonObject session = TestUsers.signedIn(user, device);
        String stepUp = accessTokens
                .issueForUser(user.id(), AccountType.CUSTOMER, device, null,
                        UUID.fromString(session.getString("sessionId")),
                        List.of("pwd", "sms"), AccessTokens.ACR_STEP_UP, Instant.now(), Duration.ofMinutes(5))
                .value();
        return new Signed(user, session.getString("accessToken"), stepUp);
    }

    static ValidatableResponse change(String token, Map<String, ?> body) {
        var request = given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress());
        return (token == null ? request : request.auth().oauth2(token)).body(body).put("/v1/me/email").then();
    }

    static ValidatableResponse confirm(String token, String challengeId, String code) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress()).auth().oauth2(token)
                .body(Map.of("challengeId", challengeId, "code", code)).post("/v1/me/email/confirm").then();
    }

    /** The newest otp.email to this address. */
    static JsonObject mailed(String email) {
        String body = queryText("SELECT body::text FROM kessai_outbox WHERE body->>'type' = 'otp.email' AND "
                + "body->'recipient'->>'email' = '" + email + "' ORDER BY created_at DESC LIMIT 1");
        return body == null ? null : new JsonObject(body);
    }

    static String wrong(String code) {
        return String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
    }

    @Test
    void anEmailNeedsAStepUpAndTheCodeMailedToTheNewAddress() {
        Signed signed = signedIn();
        User user = signed.user();
        // The whole id: its first characters are a timestamp, the same for users made in the same minute.
        String email = "Hanako." + user.id() + "@Example.JP";
        String stored = email.substring(0, email.indexOf('@')) + "@example.jp";

        expectProblem(change(null, Map.of("email", email)), 401, "unauthorized");
        expectProblem(change(signed.session(), Map.of("email", email)), 403, "step-up-required");
        assertEquals(null, mailed(stored));

        String challenge = change(signed.stepUp(), Map.of("email", email)).statusCode(202)
                .body("challengeId", notNullValue()).body("expiresAt", notNullValue()).extract().path("challengeId");
        JsonObject mail = mailed(stored);
        assertNotNull(mail, "otp.email to the new address, domain in lower case");
        assertEquals(user.id().toString(), mail.getJsonObject("recipient").getString("userId"));
        assertEquals(null, mail.getJsonObject("recipient").getString("phone"));
        String code = mail.getJsonObject("data").getString("code");
        assertEquals(null, queryText("SELECT email FROM app_user WHERE id = '" + user.id() + "'"),
                "an address counts only once its code came back");

        // Someone else's session cannot confirm this challenge, and does not spend its attempts.
        Signed other = signedIn();
        expectProblem(confirm(other.session(), challenge, code), 400, "invalid-code");
        assertEquals(0, count("SELECT attempts FROM otp_challenge WHERE id = '" + challenge + "'"));

        expectProblem(confirm(signed.session(), challenge, wrong(code)), 400, "invalid-code");
        assertEquals(1, count("SELECT attempts FROM otp_challenge WHERE id = '" + challenge + "'"));
        confirm(signed.session(), challenge, code).statusCode(200).body("email", equalTo(stored))
                .body("verified", equalTo(true));
        expectProblem(confirm(signed.session(), challenge, code), 400, "code-expired");

        assertEquals(stored, queryText("SELECT email FROM app_user WHERE id = '" + user.id()
                + "' AND email_verified_at IS NOT NULL"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'email-verification' AND outcome = "
                + "'success' AND user_id = '" + user.id() + "' AND detail->>'step' = 'verified'"));
        JsonObject alert = new JsonObject(queryText("SELECT body::text FROM kessai_outbox WHERE body->>'type' = "
                + "'security.factor_changed' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
        assertEquals(new JsonObject().put("factor", "email_changed"), alert.getJsonObject("data"));
        assertEquals(new JsonObject().put("userId", user.id().toString()).put("phone", user.phone().e164()),
                alert.getJsonObject("recipient"), "no address was verified before: the phone only");
    }

    @Test
    void changingAVerifiedEmailAlertsTheOldAddressAndResetsThenUseTheNewOne() {
        Signed signed = signedIn();
        User user = signed.user();
        String old = "old." + user.id() + "@example.jp";
        String fresh = "new." + user.id() + "@example.jp";
        execute("UPDATE app_user SET email = '" + old + "', email_verified_at = now() WHERE id = '" + user.id()
                + "'");

        String challenge = change(signed.stepUp(), Map.of("email", fresh)).statusCode(202).extract()
                .path("challengeId");
        confirm(signed.session(), challenge, mailed(fresh).getJsonObject("data").getString("code")).statusCode(200);

        JsonObject recipient = new JsonObject(queryText("SELECT body->>'recipient' FROM kessai_outbox WHERE "
                + "body->>'type' = 'security.factor_changed' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
        assertEquals(old, recipient.getString("email"), "the old address hears of the change");
        assertEquals(user.phone().e164(), recipient.getString("phone"));

        TestUsers.pastResendInterval(user.phone());
        given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", user.phone().typed(), "channel", "email")).post("/v1/password-resets").then()
                .statusCode(202);
        assertEquals(fresh, queryText("SELECT body->'recipient'->>'email' FROM kessai_outbox WHERE body->>'type' = "
                + "'security.password_reset' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
    }

    @Test
    void oneAddressAtATimeAndMalformedAddressesAreRefused() {
        Signed signed = signedIn();
        String email = "twice." + signed.user().id() + "@example.jp";
        change(signed.stepUp(), Map.of("email", email)).statusCode(202);
        expectProblem(change(signed.stepUp(), Map.of("email", email)), 429, "too-many-codes")
                .header("Retry-After", notNullValue());

        for (String bad : List.of("not-an-email", "hanako@localhost", "hanako @example.jp",
                "a".repeat(250) + "@example.jp")) {
            expectProblem(change(signed.stepUp(), Map.of("email", bad)), 400, "validation-failed");
        }
        expectProblem(change(signed.stepUp(), Map.of("email", email, "userId", UUID.randomUUID().toString())), 400,
                "malformed-body");
        expectProblem(confirm(signed.session(), "not-an-id", "123456"), 400, "invalid-code");
        expectProblem(confirm(signed.session(), UUID.randomUUID().toString(), "123456"), 400, "invalid-code");
    }
}
