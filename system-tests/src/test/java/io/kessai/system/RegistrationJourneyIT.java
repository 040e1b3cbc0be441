package io.kessai.system;

import static io.kessai.system.NotificationJourneyIT.awaitInbox;
import static io.kessai.system.StackSmokeIT.currentSigningKey;
import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.kessai.testing.TokenMinter;
import io.restassured.http.ContentType;

/**
 * Registration across the real processes: auth-service sends the code through its outbox to notification-service
 * (read here from the dev inbox, as a phone would show it); confirming activates the user, and auth-service's outbox
 * opens the user's wallet in wallet-service, which the customer then reads at balance 0.
 */
@ExtendWith(RunningStack.class)
class RegistrationJourneyIT {

    @Test
    void aCustomerRegistersConfirmsByTheSmsCodeAndGetsAWallet() throws Exception {
        int subscriber = 10_000_000 + ThreadLocalRandom.current().nextInt(89_999_999);
        String e164 = "+8180" + subscriber;
        String registration = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("phone", "080-" + subscriber / 10_000 + "-" + String.format("%04d", subscriber % 10_000),
                        "password", "tsukemen-at-lunch-4", "locale", "en"))
                .when().post("/v1/registrations").then().statusCode(202).extract().path("registrationId");

        Matcher code = Pattern.compile("\\b(\\d{6})\\b").matcher(awaitInbox(e164));
        if (!code.find()) {
            throw new AssertionError("no six-digit code in the SMS to " + e164);
        }
        String userId = given().baseUri(url(Service.AUTH)).contentType(ContentType.JSON)
                .body(Map.of("code", code.group(1)))
                .when().post("/v1/registrations/" + registration + "/confirm")
                .then().statusCode(200).body("status", equalTo("active")).extract().path("userId");

        String service = serviceToken(Service.PAYMENT);
        Eventually.until("the wallet of " + userId + " is opened through auth-service's outbox",
                Duration.ofSeconds(20), () -> {
                    List<?> accounts = given().baseUri(url(Service.WALLET)).auth().oauth2(service)
                            .when().get("/v1/internal/accounts/customers/" + userId)
                            .then().statusCode(200).extract().path("$");
                    return accounts.size() == 1;
                });

        String customer = TokenMinter.fromJwkFile(currentSigningKey(), RunningStack.stack().issuer())
                .token(userId, "customer");
        given().baseUri(url(Service.WALLET)).auth().oauth2(customer).when().get("/v1/accounts")
                .then().statusCode(200).body("$", hasSize(1)).body("[0].balance.amount", equalTo(0));
    }
}
