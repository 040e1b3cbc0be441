package io.kessai.system;

import static io.kessai.system.NotificationJourneyIT.awaitInboxAfter;
import static io.kessai.system.StackSmokeIT.currentSigningKey;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.kessai.testing.TokenMinter;
import io.restassured.http.ContentType;

/**
 * Registration and sign-in across the real processes: auth-service sends the code through its outbox to
 * notification-service (read here from the dev inbox, as a phone would show it); confirming activates the user, and
 * auth-service's outbox opens the user's wallet in wallet-service. The customer then signs in from a new device with
 * the SMS code, refreshes, and reads the wallet at balance 0 with the access token auth-service issued.
 */
@ExtendWith(RunningStack.class)
class RegistrationJourneyIT {

    @Test
    void aCustomerRegistersSignsInWithTwoFactorsRefreshesAndReadsTheWallet() throws Exception {
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

        // Sign in from a new phone: the password is not enough, the SMS code binds the device.
        String device = java.util.UUID.randomUUID().toString();
        String challenge = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("phone", e164, "password", "tsukemen-at-lunch-4", "deviceId", device, "deviceName",
                        "Hanako's phone"))
                .when().post("/v1/sessions").then().statusCode(202).body("smsSent", equalTo(true))
                .extract().path("challengeId");
        // The sign-in code is the next message to this phone (the new-device alert comes only after it is used).
        String loginCode = codeIn(awaitInboxAfter(e164, registrationSms.id()), e164);
        String refreshToken = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("method", "sms", "code", loginCode))
                .when().post("/v1/sessions/challenges/" + challenge).then().statusCode(201)
                .extract().path("refreshToken");

        // Refresh, and call wallet-service with the access token auth-service issued.
        String customer = given().baseUri(url(Service.AUTH)).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken).when().post("/oauth2/token").then().statusCode(200)
                .extract().path("access_token");
        given().baseUri(url(Service.WALLET)).auth().oauth2(customer).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(1)).body("[0].balance.amount", equalTo(0));
        // A token that is not the customer's own (another subject) sees nothing of this wallet.
        String stranger = TokenMinter.fromJwkFile(currentSigningKey(), RunningStack.stack().issuer())
                .token(java.util.UUID.randomUUID().toString(), "customer");
        given().baseUri(url(Service.WALLET)).auth().oauth2(stranger).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(0));
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
