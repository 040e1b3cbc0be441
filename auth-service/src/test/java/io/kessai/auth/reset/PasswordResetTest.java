package io.kessai.auth.reset;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.login;
import static io.kessai.auth.TestUsers.newDeviceId;
import static io.kessai.auth.TestUsers.pastResendInterval;
import static io.kessai.auth.TestUsers.refresh;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.recovery.RecoveryCodes;
import io.kessai.auth.totp.Totp;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;

/** The attack catalogue of the password reset (7pay: resets that went where the attacker asked). */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class PasswordResetTest {

    static final String NEW_PASSWORD = "ramen-after-midnight-7";

    @Inject
    RecoveryCodes recoveryCodes;

    @Inject
    Pool pool;

    static ValidatableResponse request(Map<String, ?> body) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress()).body(body)
                .post("/v1/password-resets").then();
    }

    static ValidatableResponse request(Phone phone, String channel) {
        return request(channel == null
                ? Map.of("phone", phone.typed())
                : Map.of("phone", phone.typed(), "channel",
                        channel));
    }

    static ValidatableResponse complete(String resetId, String code, String newPassword, Map<String, String> factor) {
        Map<String, Object> body = new HashMap<>(Map.of("code", code, "newPassword", newPassword));
        if (factor != null) {
            body.put("secondFactor", factor);
        }
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress()).body(body)
                .post("/v1/password-resets/" + resetId + "/complete").then();
    }

    /** The code in the newest reset message to this user. */
    static String resetCode(User user) {
        return new JsonObject(queryText("SELECT body::text FROM kessai_outbox WHERE body->>'type' = "
                + "'security.password_reset' AND body->'recipient'->>'userId' = '" + user.id()
                + "' ORDER BY created_at DESC LIMIT 1")).getJsonObject("data").getString("code");
    }

    static String wrong(String code) {
        return String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
    }

    /** Reset messages queued to any of these numbers or users: this test's own, whatever other tests queue. */
    static long resetMessagesTo(List<Phone> phones, List<UUID> users) {
        String numbers = phones.stream().map(phone -> "'" + phone.e164() + "'").collect(Collectors.joining(", "));
        String ids = users.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", "));
        return count("SELECT count(*) FROM kessai_outbox WHERE body->>'type' = 'security.password_reset' AND ("
                + "body->'recipient'->>'phone' IN (" + numbers + ") OR body->'recipient'->>'userId' IN (" + ids + "))");
    }

    @Test
    void theCodeGoesOnlyToTheAccountsOwnVerifiedChannels() {
        User user = TestUsers.registered();
        String owner = "owner." + user.id() + "@example.jp";
        execute("UPDATE app_user SET email = '" + owner + "', email_verified_at = now() WHERE id = '" + user.id()
                + "'");
        // An address no other test uses, so that finding it anywhere in the outbox means this test put it there.
        String attacker = "attacker." + user.id() + "@evil.example";

        // A request cannot name a destination: any such field is refused before anything happens.
        for (String field : List.of("email", "destination", "phoneOverride")) {
            expectProblem(request(Map.of("phone", user.phone().typed(), field, attacker)), 400, "malformed-body");
        }
        assertEquals(0, resetMessagesTo(List.of(user.phone()), List.of(user.id())));

        request(user.phone(), "sms").statusCode(202).body("resetId", notNullValue())
                .body("expiresAt", notNullValue());
        pastResendInterval(user.phone());
        String byEmail = request(user.phone(), "email").statusCode(202).extract().path("resetId");

        List<JsonObject> recipients = new ArrayList<>();
        for (String row : queryText("SELECT string_agg(body->>'recipient', '|' ORDER BY created_at) FROM kessai_outbox "
                + "WHERE body->>'type' = 'security.password_reset' AND body->'recipient'->>'userId' = '" + user.id()
                + "'").split("\\|")) {
            recipients.add(new JsonObject(row));
        }
        assertEquals(List.of(new JsonObject().put("userId", user.id().toString()).put("phone", user.phone().e164()),
                new JsonObject().put("userId", user.id().toString()).put("email", owner)), recipients);
        assertEquals(0, count("SELECT count(*) FROM kessai_outbox WHERE body::text LIKE '%" + attacker + "%'"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND user_id = '"
                + user.id() + "' AND detail->>'sentTo' = 'email' AND detail->>'decoy' = 'false'"));

        complete(byEmail, resetCode(user), NEW_PASSWORD, null).statusCode(200)
                .body("status", equalTo("password-changed"));
        login(user.phone().typed(), NEW_PASSWORD, newDeviceId(), freshAddress()).statusCode(202);
    }

    @Test
    void emailChannelWithoutAVerifiedEmailFallsBackToThePhone() {
        User user = TestUsers.registered();
        execute("UPDATE app_user SET email = 'unverified." + user.id() + "@example.jp' WHERE id = '" + user.id() + "'");
        request(user.phone(), "email").statusCode(202);
        JsonObject recipient = new JsonObject(queryText("SELECT body->>'recipient' FROM kessai_outbox WHERE "
                + "body->>'type' = 'security.password_reset' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
        assertEquals(user.phone().e164(), recipient.getString("phone"));
        assertEquals(null, recipient.getString("email"));
    }

    @Test
    void unknownPendingAndFrozenNumbersGetTheSameAnswerAndNothingIsSent() {
        Phone unknown = Phone.fresh();
        User frozen = TestUsers.registered();
        execute("UPDATE app_user SET status = 'frozen' WHERE id = '" + frozen.id() + "'");
        pastResendInterval(frozen.phone());
        Phone pending = Phone.fresh();
        given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", pending.typed(), "password", TestUsers.PASSWORD)).post("/v1/registrations")
                .then().statusCode(202);
        User known = TestUsers.registered();
        pastResendInterval(known.phone());

        UUID pendingId = UUID.fromString(queryText("SELECT id FROM app_user WHERE phone_e164 = '" + pending.e164()
                + "'"));
        List<Phone> phones = List.of(unknown, frozen.phone(), pending, known.phone());
        List<UUID> users = List.of(frozen.id(), pendingId, known.id());
        assertEquals(0, resetMessagesTo(phones, users));
        List<String> decoys = new ArrayList<>();
        for (Phone phone : List.of(unknown, frozen.phone(), pending)) {
            for (String channel : List.of("sms", "email")) {
                pastResendInterval(phone);
                JsonObject body = new JsonObject(request(phone, channel).statusCode(202).extract().asString());
                assertEquals(Set.of("resetId", "expiresAt"), body.fieldNames());
                decoys.add(body.getString("resetId"));
            }
        }
        assertEquals(0, resetMessagesTo(phones, users), "nothing was queued for a number without an active account");
        JsonObject real = new JsonObject(request(known.phone(), "sms").statusCode(202).extract().asString());
        assertEquals(Set.of("resetId", "expiresAt"), real.fieldNames());
        assertEquals(1, resetMessagesTo(phones, users));
        assertEquals(1, resetMessagesTo(List.of(known.phone()), List.of(known.id())),
                "the one message is the known user's");

        for (String decoy : decoys) {
            expectProblem(complete(decoy, "123456", NEW_PASSWORD, null), 400, "invalid-code");
        }
        expectProblem(complete(java.util.UUID.randomUUID().toString(), "123456", NEW_PASSWORD, null), 400,
                "invalid-code");
        expectProblem(complete("not-an-id", "123456", NEW_PASSWORD, null), 400, "invalid-code");
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND phone_e164 "
                + "= '" + unknown.e164() + "' AND detail->>'decoy' = 'true' AND detail->>'reason' = 'unknown-number'"));
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND user_id = '"
                + frozen.id() + "' AND detail->>'reason' = 'account-frozen'"));
    }

    @Test
    void everyRequestCountsAgainstTheNumberWhicheverChannelItTakes() {
        User withEmail = TestUsers.registered();
        execute("UPDATE app_user SET email = 'counted." + withEmail.id() + "@example.jp', email_verified_at = now() "
                + "WHERE id = '" + withEmail.id() + "'");
        pastResendInterval(withEmail.phone());
        User withoutEmail = TestUsers.registered();
        pastResendInterval(withoutEmail.phone());
        // SMS then email within 30 s: the same 429 for an account with a verified email, one without, and no account.
        for (Phone phone : List.of(withEmail.phone(), withoutEmail.phone(), Phone.fresh())) {
            request(phone, "sms").statusCode(202);
            expectProblem(request(phone, "email"), 429, "too-many-codes").header("Retry-After", notNullValue());
        }
    }

    @Test
    void guessingTheCodeEndsAfterFiveTriesAndAUsedCodeIsRefused() {
        User user = TestUsers.registered();
        pastResendInterval(user.phone());
        String reset = request(user.phone(), null).statusCode(202).extract().path("resetId");
        String code = resetCode(user);
        for (int i = 0; i < 4; i++) {
            expectProblem(complete(reset, wrong(code), NEW_PASSWORD, null), 400, "invalid-code");
        }
        expectProblem(complete(reset, wrong(code), NEW_PASSWORD, null), 400, "code-attempts-exhausted");
        expectProblem(complete(reset, code, NEW_PASSWORD, null), 400, "code-attempts-exhausted");
        assertEquals(6, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset' AND outcome = "
                + "'refused' AND detail->>'reset' = '" + reset + "'"));

        pastResendInterval(user.phone());
        String again = request(user.phone(), null).statusCode(202).extract().path("resetId");
        String fresh = resetCode(user);
        complete(again, fresh, NEW_PASSWORD, null).statusCode(200);
        expectProblem(complete(again, fresh, "another-fine-passphrase-3", null), 400, "code-expired");
    }

    @Test
    void aWeakPasswordIsRefusedBeforeTheCodeIsSpent() {
        User user = TestUsers.registered();
        pastResendInterval(user.phone());
        String reset = request(user.phone(), null).statusCode(202).extract().path("resetId");
        String code = resetCode(user);
        expectProblem(complete(reset, code, "password123", null), 400, "weak-password");
        expectProblem(complete(reset, code, "tanuki-" + user.phone().e164().substring(1), null), 400,
                "weak-password");
        complete(reset, code, NEW_PASSWORD, null).statusCode(200);
    }

    @Test
    void completingEndsEverySessionClearsAHardLockoutAndAlerts() {
        User user = TestUsers.registered();
        JsonObject session = TestUsers.signedIn(user, newDeviceId());
        execute("INSERT INTO login_lockout (phone_e164, failures, locked_until) VALUES ('" + user.phone().e164()
                + "', 100, now() + interval '1 hour')");
        expectProblem(login(user.phone().typed(), user.password(), newDeviceId(), freshAddress()), 429,
                "login-locked");

        pastResendInterval(user.phone());
        String reset = request(user.phone(), null).statusCode(202).extract().path("resetId");
        complete(reset, resetCode(user), NEW_PASSWORD, null).statusCode(200);

        refresh(session.getString("refreshToken")).statusCode(400).body("error", equalTo("invalid_grant"));
        assertEquals("password-reset", queryText("SELECT revoked_reason FROM refresh_family WHERE id = '"
                + session.getString("sessionId") + "'"));
        assertEquals(0, count("SELECT count(*) FROM login_lockout WHERE phone_e164 = '" + user.phone().e164() + "'"));
        expectProblem(login(user.phone().typed(), user.password(), newDeviceId(), freshAddress()), 401,
                "invalid-credentials");
        pastResendInterval(user.phone());
        login(user.phone().typed(), NEW_PASSWORD, newDeviceId(), freshAddress()).statusCode(202);

        JsonObject alert = new JsonObject(queryText("SELECT body::text FROM kessai_outbox WHERE body->>'type' = "
                + "'security.password_changed' AND body->'recipient'->>'userId' = '" + user.id() + "'"));
        assertEquals(user.phone().e164(), alert.getJsonObject("recipient").getString("phone"));
        assertEquals(new JsonObject(), alert.getJsonObject("data"));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'password-reset' AND outcome = "
                + "'success' AND user_id = '" + user.id() + "' AND (detail->>'sessionsEnded')::int = 1"));
    }

    @Test
    void anAccountWithAnAuthenticatorAppAlsoNeedsItsCode() {
        User user = TestUsers.registered();
        byte[] secret = Totp.newSecret();
        execute("INSERT INTO totp_factor (user_id, secret, status, confirmed_at) VALUES ('" + user.id()
                + "', decode('" + HexFormat.of().formatHex(secret) + "', 'hex'), 'active', now())");
        pastResendInterval(user.phone());
        String reset = request(user.phone(), null).statusCode(202).extract().path("resetId");
        String code = resetCode(user);

        // The SMS code alone (a SIM swap) is not enough; the right code stays usable for the second try.
        expectProblem(complete(reset, code, NEW_PASSWORD, null), 400, "second-factor-required");
        expectProblem(
                complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code", TestUsers.wrongTotpCode(secret))),
                400,
                "invalid-code");
        expectProblem(complete(reset, code, NEW_PASSWORD, Map.of("method", "recovery", "code", "AAAAA-AAAAA")),
                400, "invalid-code");
        assertEquals(2, count("SELECT attempts FROM otp_challenge WHERE id = '" + reset + "'"));
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE type = 'second-factor' AND user_id = '"
                + user.id() + "' AND detail->>'for' = 'password-reset'"));
        String hashBefore = queryText("SELECT password_hash FROM app_user WHERE id = '" + user.id() + "'");
        // The app's code of this moment, read just before it is typed, as a user does.
        String appCode = Totp.codeAt(secret, Totp.stepOf(Instant.now()));
        complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code", appCode)).statusCode(200);
        assertNotEquals(hashBefore, queryText("SELECT password_hash FROM app_user WHERE id = '" + user.id() + "'"));
        expectProblem(complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code", appCode)), 400,
                "code-expired");

        // A recovery code works in place of the app.
        String recovery = pool.withTransaction(tx -> recoveryCodes.replace(tx, user.id())).await().indefinitely()
                .get(0);
        pastResendInterval(user.phone());
        String second = request(user.phone(), null).statusCode(202).extract().path("resetId");
        complete(second, resetCode(user), "a-third-good-passphrase-5", Map.of("method", "recovery", "code",
                recovery)).statusCode(200);
        assertEquals(1, count("SELECT count(*) FROM recovery_code WHERE user_id = '" + user.id()
                + "' AND used_at IS NOT NULL"));
    }

    @Test
    void wrongSecondFactorsUseUpTheResetsAttempts() {
        User user = TestUsers.registered();
        byte[] secret = Totp.newSecret();
        execute("INSERT INTO totp_factor (user_id, secret, status, confirmed_at) VALUES ('" + user.id()
                + "', decode('" + HexFormat.of().formatHex(secret) + "', 'hex'), 'active', now())");
        pastResendInterval(user.phone());
        String reset = request(user.phone(), null).statusCode(202).extract().path("resetId");
        String code = resetCode(user);
        for (int i = 0; i < 4; i++) {
            expectProblem(complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code",
                    TestUsers.wrongTotpCode(secret))), 400, "invalid-code");
        }
        expectProblem(
                complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code", TestUsers.wrongTotpCode(secret))),
                400, "code-attempts-exhausted");
        String appCode = Totp.codeAt(secret, Totp.stepOf(Instant.now()));
        expectProblem(complete(reset, code, NEW_PASSWORD, Map.of("method", "totp", "code", appCode)), 400,
                "code-attempts-exhausted");
    }

    @Test
    void malformedRequestsAndOneAddressAskingTooOften() {
        expectProblem(request(Map.of("phone", Phone.fresh().typed(), "channel", "fax")), 400, "validation-failed");
        expectProblem(request(Map.of("phone", "03-1234-5678")), 400, "invalid-phone-number");
        expectProblem(complete(java.util.UUID.randomUUID().toString(), "123456", NEW_PASSWORD,
                Map.of("method", "sms", "code", "123456")), 400, "validation-failed");

        String address = freshAddress();
        int refused = 0;
        for (int i = 0; i < 6; i++) {
            refused += given().contentType(ContentType.JSON).header("X-Forwarded-For", address)
                    .body(Map.of("phone", Phone.fresh().typed())).post("/v1/password-resets").then().extract()
                    .statusCode() == 429 ? 1 : 0;
        }
        assertEquals(1, refused, "5 resets per address at once, then 429");
    }
}
