package io.kessai.system;

import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kessai.stack.Service;
import io.kessai.testing.Eventually;
import io.restassured.http.ContentType;

/** A service hands an OTP event to the running notification-service, and the code shows up in the dev inbox. */
@ExtendWith(RunningStack.class)
class NotificationJourneyIT {

    @Test
    void eventInPaymentServicesOutboxIsRelayedWithARealServiceToken() throws Exception {
        // payment-service has no business endpoint yet, so the test writes the row its transaction would write.
        String phone = "+8170" + (10_000_000 + (int) (Math.random() * 89_999_999));
        String eventId = "outbox:" + UUID.randomUUID();
        insertIntoPaymentOutbox(eventId, phone, "310477");
        assertTrue(awaitInbox(phone).contains("310477"));
    }

    @Test
    void backlogInPaymentServicesOutboxDrainsAfterNotificationServiceReturns() throws Exception {
        RunningStack.stack().stop(Service.NOTIFICATION);
        String phone = "+8170" + (10_000_000 + (int) (Math.random() * 89_999_999));
        try {
            insertIntoPaymentOutbox("outbox:" + UUID.randomUUID(), phone, "664201");
            // The relay tries, fails and backs off; the row stays.
            Thread.sleep(2_500);
            assertTrue(pendingInPaymentOutbox(phone) == 1, "kept while notification-service is down");
        } finally {
            RunningStack.stack().restart(Service.NOTIFICATION);
        }
        assertTrue(awaitInbox(phone).contains("664201"));
    }

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

        assertTrue(awaitInbox(phone).contains("905172"));
    }

    /** The newest dev-inbox text to {@code recipient}, waiting up to 20 s for it. */
    static String awaitInbox(String recipient) {
        String token = serviceToken(Service.AUTH);
        AtomicReference<List<String>> bodies = new AtomicReference<>(List.of());
        Eventually.until("a message to " + recipient + " in the dev inbox", Duration.ofSeconds(20), () -> {
            bodies.set(given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(token)
                    .queryParam("recipient", recipient)
                    .when().get("/v1/dev/inbox")
                    .then().statusCode(200).extract().path("body"));
            return !bodies.get().isEmpty();
        });
        return bodies.get().get(0);
    }

    /** Writes the row payment-service's transaction would write (it has no business endpoint yet). */
    private static void insertIntoPaymentOutbox(String eventId, String phone, String code) throws Exception {
        String event = """
                {"eventId": "%s", "type": "otp.sms", "locale": "en", "recipient": {"phone": "%s"},
                 "data": {"code": "%s", "ttlSeconds": 300}}""".formatted(eventId, phone, code);
        try (java.sql.Connection db = paymentDatabase();
                java.sql.PreparedStatement insert = db.prepareStatement(
                        "INSERT INTO kessai_outbox (event_id, body) VALUES (?, ?::jsonb)")) {
            insert.setString(1, eventId);
            insert.setString(2, event);
            insert.executeUpdate();
        }
    }

    private static long pendingInPaymentOutbox(String phone) throws Exception {
        try (java.sql.Connection db = paymentDatabase();
                java.sql.PreparedStatement count = db.prepareStatement(
                        "SELECT count(*) FROM kessai_outbox WHERE body->'recipient'->>'phone' = ? AND NOT dead")) {
            count.setString(1, phone);
            try (java.sql.ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static java.sql.Connection paymentDatabase() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + RunningStack.stack().postgresPort() + "/payment", "postgres", "");
    }
}
