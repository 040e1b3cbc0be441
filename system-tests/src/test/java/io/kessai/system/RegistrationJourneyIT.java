package io.kessai.system;

import static io.kessai.system.NotificationJourneyIT.awaitInboxAfter;
import static io.kessai.system.StackSmokeIT.currentSigningKey;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.DeviceKey;
import io.kessai.testing.DeviceProofRequests;
import io.kessai.testing.Eventually;
import io.kessai.testing.TokenMinter;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import groovy.json.JsonSlurper;

/**
 * Registration and sign-in across the real processes: auth-service sends the code through its outbox to
 * notification-service (read here from the dev inbox, as a phone would show it); confirming activates the user, and
 * auth-service's outbox opens the user's wallet in wallet-service. The customer then signs in from a new phone with
 * its device key and the SMS code, refreshes with a proof of the key, signs in again from the bound phone with the
 * password alone, and reads the wallet at balance 0 with the access token auth-service issued. Another phone that
 * names the same device id must pass the second factor, and the refresh token is worthless with another key.
 */
@ExtendWith(RunningStack.class)
class RegistrationJourneyIT {

    @Test
    void aCustomerRegistersBindsAPhoneByItsKeyRefreshesAndReadsTheWallet() throws Exception {
        int subscriber = TestPhones.nextSubscriber();
        String e164 = "+8180" + subscriber;
        String registration = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("phone", "080-" + subscriber / 10_000 + "-" + String.format("%04d", subscriber % 10_000),
                        "password", "tsukemen-at-lunch-4", "locale", "en"))
                .when().post("/v1/registrations").then().statusCode(202).extract().path("registrationId");

        NotificationJourneyIT.InboxEntry registrationSms = awaitInboxAfter(e164, 0);
        String code = codeIn(registrationSms, e164);
        String userId = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("code", code))
                .when().post("/v1/registrations/" + registration + "/confirm")
                .then().statusCode(200).body("status", equalTo("active")).extract().path("userId");

        String service = serviceToken(Service.PAYMENT);
        Eventually.until("the wallet of " + userId + " is opened through auth-service's outbox",
                Duration.ofSeconds(60), () -> {
                    List<?> accounts = given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                            .when().get("/v1/internal/accounts/customers/" + userId)
                            .then().statusCode(200).extract().path("$");
                    return accounts.size() == 1;
                });

        // Sign in from a new phone with its device key: the password is not enough, the SMS code binds the device
        // to the key.
        String device = java.util.UUID.randomUUID().toString();
        DeviceKey phone = DeviceKey.generate();
        String challenge = signIn(e164, device, phone).then().statusCode(202).body("smsSent", equalTo(true))
                .extract().path("challengeId");
        // The sign-in code is the next message to this phone (the new-device alert comes only after it is used).
        String loginCode = codeIn(awaitInboxAfter(e164, registrationSms.id()), e164);
        String path = "/v1/sessions/challenges/" + challenge;
        String refreshToken = DeviceProofRequests.send(phone, "POST", url(Service.AUTH) + path,
                proof -> given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON).header("DPoP", proof)
                        .body(Map.of("method", "sms", "code", loginCode)).when().post(path))
                .then().statusCode(201).extract().path("refreshToken");

        // Refresh with a proof of the key, and call wallet-service with the access token auth-service issued.
        String rotated = refresh(refreshToken, phone).then().statusCode(200).extract().path("refresh_token");
        String customer = signIn(e164, device, phone).then().statusCode(201).extract().path("accessToken");
        assertEquals(List.of("pwd", "pop"), claims(customer).get("amr"), "the bound phone: password and key");

        // Another phone that names the same device id must pass the second factor; so must one without any key.
        agePhonesCodes(e164);
        signIn(e164, device, DeviceKey.generate()).then().statusCode(202).body("smsSent", equalTo(true));
        agePhonesCodes(e164);
        given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON).body(signInBody(e164, device))
                .when().post("/v1/sessions").then().statusCode(202);
        // And the refresh token, copied off the phone, is worth nothing there.
        refresh(rotated, DeviceKey.generate()).then().statusCode(400).body("error", equalTo("invalid_grant"));

        given().baseUri(url(Service.WALLET)).auth().oauth2(customer).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(1)).body("[0].balance.amount", equalTo(0));
        // A token that is not the customer's own (another subject) sees nothing of this wallet.
        String stranger = TokenMinter.fromJwkFile(currentSigningKey(), RunningStack.stack().issuer())
                .token(java.util.UUID.randomUUID().toString(), "customer");
        given().baseUri(url(Service.WALLET)).auth().oauth2(stranger).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(0));
    }

    private static Map<String, String> signInBody(String e164, String device) {
        return Map.of("phone", e164, "password", "tsukemen-at-lunch-4", "deviceId", device, "deviceName",
                "Hanako's phone");
    }

    private static Response signIn(String e164, String device, DeviceKey key) {
        return DeviceProofRequests.send(key, "POST", url(Service.AUTH) + "/v1/sessions",
                proof -> given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON).header("DPoP", proof)
                        .body(signInBody(e164, device)).when().post("/v1/sessions"));
    }

    private static Response refresh(String refreshToken, DeviceKey key) {
        return DeviceProofRequests.send(key, "POST", url(Service.AUTH) + "/oauth2/token",
                proof -> given().baseUri(url(Service.AUTH)).header("DPoP", proof)
                        .formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken)
                        .when().post("/oauth2/token"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claims(String jwt) {
        return new JsonSlurper().parseText(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]),
                StandardCharsets.UTF_8)) instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    /**
     * Ages the number's codes past the 30 s between two codes to one number, so the next sign-in's code goes out at
     * once, as the auth tests do; a journey does not wait half a minute for it.
     */
    private static void agePhonesCodes(String e164) throws SQLException {
        try (Connection auth = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + RunningStack.stack().postgresPort() + "/" + Service.AUTH.database(), "postgres", "");
                PreparedStatement age = auth.prepareStatement("UPDATE otp_challenge SET created_at = created_at "
                        + "- interval '31 seconds' WHERE destination = ?")) {
            age.setString(1, e164);
            age.executeUpdate();
        }
    }

    /** The six-digit code in a message to {@code phone}. */
    private static String codeIn(NotificationJourneyIT.InboxEntry sms, String phone) {
        Matcher code = Pattern.compile("\\b(\\d{6})\\b").matcher(sms.body());
        if (!code.find()) {
            throw new AssertionError("no six-digit code in the SMS #" + sms.id() + " to " + phone + ": " + sms.body());
        }
        return code.group(1);
    }
}
