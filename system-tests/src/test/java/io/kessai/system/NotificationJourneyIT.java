package io.kessai.system;

import static io.kessai.system.StackSmokeIT.serviceToken;
import static io.kessai.system.StackSmokeIT.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        String phone = TestPhones.next("+8170");
        String eventId = "outbox:" + UUID.randomUUID();
        insertIntoPaymentOutbox(eventId, phone, "310477");
        assertTrue(awaitInbox(phone).contains("310477"));
    }

    @Test
    void backlogInPaymentServicesOutboxDrainsAfterNotificationServiceReturns() throws Exception {
        RunningStack.stack().stop(Service.NOTIFICATION);
        String phone = TestPhones.next("+8170");
        String eventId = "outbox:" + UUID.randomUUID();
        try {
            insertIntoPaymentOutbox(eventId, phone, "664201");
            // The relay tries, fails and backs off; the row stays, pending. Waiting for the failed try itself (not
            // a fixed time, after which the row would be there whether or not the relay had tried).
            Eventually.until("payment-service's relay tries " + eventId + " and backs off", Duration.ofSeconds(30),
                    () -> failedTries(eventId));
            assertEquals(List.of(false), deadFlags(eventId), "kept, not dead, while notification-service is down");
        } finally {
            restartNotificationService();
        }
        assertTrue(awaitInbox(phone).contains("664201"));
    }

    /** Restarts it, so that a failure says what failed (the later tests start it again, see RunningStack). */
    private static void restartNotificationService() {
        try {
            RunningStack.stack().restart(Service.NOTIFICATION);
        } catch (Exception e) {
            throw new AssertionError("notification-service did not come back after the outage: " + e.getMessage()
                    + " (log: " + RunningStack.stack().logFile(Service.NOTIFICATION) + ")", e);
        }
    }

    @Test
    void otpEventIsDeliveredAndReadableFromTheDevInbox() {
        String token = serviceToken(Service.AUTH);
        String phone = TestPhones.next("+8180");
        String eventId = "journey:" + UUID.randomUUID();
        given().baseUri(url(Service.NOTIFICATION)).auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("eventId", eventId, "type", "otp.sms", "locale", "en",
                        "recipient", Map.of("phone", phone), "data", Map.of("code", "905172", "ttlSeconds", 300)))
                .when().post("/v1/internal/events")
                .then().statusCode(202).body("deliveries[0].channel", equalTo("sms"));

        assertTrue(awaitInbox(phone).contains("905172"));
    }

    /** A message in the dev inbox; ids grow with each message. */
    record InboxEntry(long id, String body) {
    }

    /** The first dev-inbox text to {@code recipient}, waiting up to 60 s for it. */
    static String awaitInbox(String recipient) {
        return awaitInboxAfter(recipient, 0).body();
    }

    /**
     * The first dev-inbox message to {@code recipient} after the one with id {@code previousId} (0: the first one),
     * waiting up to 60 s for it.
     */
    static InboxEntry awaitInboxAfter(String recipient, long previousId) {
        String token = serviceToken(Service.AUTH);
        AtomicReference<InboxEntry> found = new AtomicReference<>();
        Eventually.until("a message to " + recipient + " after #" + previousId + " in the dev inbox",
                Duration.ofSeconds(60), () -> {
                    List<Map<String, Object>> entries = given().baseUri(url(Service.NOTIFICATION)).auth()
                            .oauth2(token).queryParam("recipient", recipient).queryParam("limit", 100)
                            .when().get("/v1/dev/inbox")
                            .then().statusCode(200).extract().path("$");
                    // Newest first: the last one newer than previousId is the next message.
                    entries.stream()
                            .map(e -> new InboxEntry(((Number) e.get("id")).longValue(), (String) e.get("body")))
                            .filter(e -> e.id() > previousId).reduce((newer, older) -> older)
                            .ifPresent(found::set);
                    return found.get() != null;
                });
        return found.get();
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

    /** Whether the relay has tried the row at least once, failed and recorded why (then it backs off). */
    private static boolean failedTries(String eventId) {
        try (java.sql.Connection db = paymentDatabase();
                java.sql.PreparedStatement query = db.prepareStatement(
                        "SELECT attempts >= 1 AND last_error IS NOT NULL FROM kessai_outbox WHERE event_id = ?")) {
            query.setString(1, eventId);
            try (java.sql.ResultSet row = query.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code dead} flag of the row (an empty list when the row is gone). */
    private static List<Boolean> deadFlags(String eventId) throws Exception {
        try (java.sql.Connection db = paymentDatabase();
                java.sql.PreparedStatement query = db.prepareStatement(
                        "SELECT dead FROM kessai_outbox WHERE event_id = ?")) {
            query.setString(1, eventId);
            try (java.sql.ResultSet row = query.executeQuery()) {
                List<Boolean> flags = new java.util.ArrayList<>();
                while (row.next()) {
                    flags.add(row.getBoolean(1));
                }
                return flags;
            }
        }
    }

    private static java.sql.Connection paymentDatabase() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + RunningStack.stack().postgresPort() + "/payment", "postgres", "");
    }
}
