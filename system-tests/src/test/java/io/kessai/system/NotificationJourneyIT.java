package io.kessai.system;

import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.restassured.http.ContentType;

/** A service hands an OTP event to the running notification-service, and the code shows up in the dev inbox. */
@ExtendWith(RunningStack.class)
class NotificationJourneyIT {

    @Test
    void otpEventIsDeliveredAndReadableFromTheDevInbox() {
        String token = serviceToken(Service.AUTH);
        String phone = "+8180" + (10_000_000 + (int) (Math.random() * 89_999_999));
        String eventId = "journey:" + UUID.randomUUID();
        given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("eventId", eventId, "type", "otp.sms", "locale", "en",
                        "recipient", Map.of("phone", phone), "data", Map.of("code", "905172", "ttlSeconds", 300)))
                .when().post("/v1/internal/events")
                .then().statusCode(202).body("deliveries[0].channel", equalTo("sms"));

        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            List<String> bodies = given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(token)
                    .queryParam("recipient", phone)
                    .when().get("/v1/dev/inbox")
                    .then().statusCode(200).extract().path("body");
            if (!bodies.isEmpty()) {
                assertTrue(bodies.get(0).contains("905172"), bodies.get(0));
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                fail("the OTP never reached the dev inbox");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
    }
}
