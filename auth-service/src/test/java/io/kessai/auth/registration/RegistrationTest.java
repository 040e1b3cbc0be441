package io.kessai.auth.registration;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.auth.TestUsers.sentCode;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.execute;
import static io.kessai.testing.TestDatabase.queryText;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.auth.TestUsers.Phone;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class RegistrationTest {

    private static final String PASSWORD = "tsukemen-at-lunch-4";

    @Inject
    RegistrationPurge purge;

    static ValidatableResponse start(String phone, String password) {
        return start(phone, password, freshAddress());
    }

    static ValidatableResponse start(String phone, String password, String address) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", address)
                .body(Map.of("phone", phone, "password", password)).post("/v1/registrations").then();
    }

    static ValidatableResponse confirm(String registrationId, String code) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("code", code)).post("/v1/registrations/" + registrationId + "/confirm").then();
    }

    @Test
    void aNewNumberGetsACodeBySmsAndConfirmingItActivatesTheAccount() {
        Phone phone = Phone.fresh();
        String registration = start(phone.typed(), PASSWORD).statusCode(202)
                .body("registrationId", notNullValue()).body("expiresAt", notNullValue())
                .extract().path("registrationId");
        assertEquals("pending", queryText("SELECT status FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
        JsonObject sms = sentCode(phone.e164());
        assertEquals("otp.sms", sms.getString("type"));
        assertEquals(300, sms.getJsonObject("data").getInteger("ttlSeconds"));
        String code = sms.getJsonObject("data").getString("code");
        assertTrue(code.matches("\\d{6}"), code);

        expectProblem(confirm(registration, String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000)), 400,
                "invalid-code");
        String userId = confirm(registration, code).statusCode(200).body("status", equalTo("active")).extract()
                .path("userId");
        assertEquals("active", queryText("SELECT status FROM app_user WHERE id = '" + userId + "'"));
        JsonObject walletOpen = new JsonObject(queryText("SELECT json_build_object('destination', destination, "
                + "'path', path, 'body', body)::text FROM kessai_outbox WHERE event_id = 'auth:wallet-open:" + userId
                + "'"));
        assertEquals("wallet", walletOpen.getString("destination"));
        assertEquals("/v1/internal/accounts/customers", walletOpen.getString("path"));
        assertEquals(userId, walletOpen.getJsonObject("body").getString("userId"));
        expectProblem(confirm(registration, code), 400, "code-expired");
        assertTrue(queryText("SELECT password_hash FROM app_user WHERE id = '" + userId + "'")
                .startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    @Test
    void registeringAKnownNumberLooksTheSameButSendsNothingAndChangesNothing() {
        Phone phone = Phone.fresh();
        String first = start(phone.typed(), PASSWORD).statusCode(202).extract().path("registrationId");
        String code = sentCode(phone.e164()).getJsonObject("data").getString("code");
        confirm(first, code).statusCode(200);
        String hashBefore = queryText("SELECT password_hash FROM app_user WHERE phone_e164 = '" + phone.e164() + "'");
        long smsBefore = count("SELECT count(*) FROM kessai_outbox WHERE body->'recipient'->>'phone' = '"
                + phone.e164() + "'");
        // Past the per-number resend interval, so that the answer is the full 202 and not a 429.
        execute("UPDATE otp_challenge SET created_at = created_at - interval '31 seconds' WHERE destination = '"
                + phone.e164() + "'");

        String attacker = start("+81 " + phone.typed().substring(1), "attacker-chosen-password-9").statusCode(202)
                .body("registrationId", notNullValue()).body("expiresAt", notNullValue())
                .extract().path("registrationId");
        assertEquals(smsBefore, count("SELECT count(*) FROM kessai_outbox WHERE body->'recipient'->>'phone' = '"
                + phone.e164() + "'"), "no code was sent");
        expectProblem(confirm(attacker, code), 400, "invalid-code");
        assertEquals(hashBefore,
                queryText("SELECT password_hash FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
    }

    @Test
    void aSecondStartForAPendingNumberIsThrottledThenSendsANewCode() {
        Phone phone = Phone.fresh();
        start(phone.typed(), PASSWORD).statusCode(202);
        expectProblem(start(phone.typed(), PASSWORD), 429, "too-many-codes").header("Retry-After", notNullValue());
        execute("UPDATE otp_challenge SET created_at = created_at - interval '31 seconds' WHERE destination = '"
                + phone.e164() + "'");
        String second = start(phone.typed(), "another-long-passphrase-7").statusCode(202).extract()
                .path("registrationId");
        confirm(second, sentCode(phone.e164()).getJsonObject("data").getString("code")).statusCode(200);
        assertEquals(1, count("SELECT count(*) FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
    }

    @Test
    void badNumbersWeakPasswordsAndMalformedBodiesAreRefusedAndStoreNothing() {
        Phone phone = Phone.fresh();
        expectProblem(start(phone.typed(), "qwertyuiop"), 400, "weak-password")
                .body("errors[0].field", equalTo("password"));
        expectProblem(start(phone.typed(), "short"), 400, "weak-password");
        expectProblem(start(phone.typed(), "my-" + phone.e164().substring(3) + "-pw"), 400, "weak-password");
        expectProblem(start("03-1234-5678", PASSWORD), 400, "invalid-phone-number")
                .body("errors[0].field", equalTo("phone"));
        expectProblem(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body("{\"phone\": \"" + phone.typed() + "\"}").post("/v1/registrations").then(), 400,
                "validation-failed");
        expectProblem(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body(Map.of("phone", phone.typed(), "password", PASSWORD, "email", "x@example.com"))
                .post("/v1/registrations").then(), 400, "malformed-body");
        expectProblem(confirm("not-a-registration", "123456"), 400, "invalid-code");
        assertEquals(0, count("SELECT count(*) FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
        assertNull(sentCode(phone.e164()));
    }

    @Test
    void oneAddressStartsAtMostTenRegistrationsAtOnce() {
        String address = freshAddress();
        for (int i = 0; i < 10; i++) {
            start(Phone.fresh().typed(), PASSWORD, address).statusCode(202);
        }
        Phone eleventh = Phone.fresh();
        expectProblem(start(eleventh.typed(), PASSWORD, address), 429, "too-many-requests")
                .header("Retry-After", notNullValue());
        assertNull(sentCode(eleventh.e164()), "nothing was sent");
        start(eleventh.typed(), PASSWORD, freshAddress()).statusCode(202);
    }

    @Test
    void unconfirmedRegistrationsArePurgedAfterAnHour() {
        Phone phone = Phone.fresh();
        Phone recent = Phone.fresh();
        start(phone.typed(), PASSWORD).statusCode(202);
        start(recent.typed(), PASSWORD).statusCode(202);
        execute("UPDATE app_user SET created_at = now() - interval '61 minutes' WHERE phone_e164 = '" + phone.e164()
                + "'");
        // The job itself, as the scheduler runs it (off in tests); other tests' old registrations may go too.
        assertTrue(purge.purge().await().atMost(Duration.ofSeconds(10)) >= 1);
        assertEquals(0, count("SELECT count(*) FROM app_user WHERE phone_e164 = '" + phone.e164() + "'"));
        assertEquals("pending", queryText("SELECT status FROM app_user WHERE phone_e164 = '" + recent.e164() + "'"),
                "a registration younger than an hour is kept");
    }
}
