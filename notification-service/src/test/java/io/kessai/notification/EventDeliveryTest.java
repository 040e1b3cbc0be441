package io.kessai.notification;

import static io.kessai.notification.NotificationTestSupport.await;
import static io.kessai.notification.NotificationTestSupport.count;
import static io.kessai.notification.NotificationTestSupport.deliveryStatus;
import static io.kessai.notification.NotificationTestSupport.post;
import static io.kessai.notification.NotificationTestSupport.queryText;
import static io.kessai.notification.NotificationTestSupport.serviceToken;
import static io.kessai.notification.NotificationTestSupport.tokenOf;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;

import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Events in, deliveries out: over a real SMTP server, a provider's HTTP API, the stream table and the dev inbox. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class EventDeliveryTest {

    @jakarta.inject.Inject
    io.kessai.notification.delivery.UnsentTextPurge purge;

    private static String newId() {
        return "test:" + UUID.randomUUID();
    }

    /** Numbers of this JVM's tests; the stub provider's received list lives as long as the JVM. */
    private static final AtomicInteger PHONES = new AtomicInteger();

    /**
     * A number no other test uses, ending in {@code lastFour} (which tells the stub provider how to answer). A
     * counter, not random digits, so that two tests can never share one (the stub's list and the per-number send
     * limit would mix them up).
     */
    private static String phone(String lastFour) {
        int next = PHONES.incrementAndGet();
        if (next > 9_999) {
            throw new IllegalStateException("more than 9999 numbers in one test JVM");
        }
        return "+8190" + String.format("%04d", next) + lastFour;
    }

    private static String otpSms(String id, String phone, String locale) {
        return """
                {"eventId": "%s", "type": "otp.sms", "locale": "%s",
                 "recipient": {"userId": "u-1", "phone": "%s"},
                 "data": {"code": "482913", "ttlSeconds": 300}}""".formatted(id, locale, phone);
    }

    @Test
    void otpSmsReachesTheProviderOnceInJapaneseAndItsTextIsNotKept() {
        String id = newId();
        String to = phone("1234");
        post(otpSms(id, to, "ja")).statusCode(202)
                .body("duplicate", equalTo(false))
                .body("deliveries[0].channel", equalTo("sms"))
                .body("deliveries[0].status", equalTo("pending"));

        // 'sent' is written after the provider accepted, in the transaction that clears the text and fills the dev
        // inbox: everything asserted below is in place once it is.
        await("sms sent", () -> "sent".equals(deliveryStatus(id, "sms")));
        List<SmsProviderStub.Received> received = SmsProviderStub.to(to);
        assertEquals(1, received.size());
        assertEquals("Bearer " + SmsProviderStub.API_KEY, received.get(0).authorization());
        assertTrue(received.get(0).json().contains("482913"), received.get(0).json());
        assertTrue(received.get(0).json().contains("5分"), "names the lifetime");
        assertTrue(received.get(0).json().contains("Kessai"), "names the service");
        assertTrue(received.get(0).json().contains("教えないで"), "warns never to share");
        assertNull(queryText("SELECT body FROM delivery WHERE event_id = '" + id + "'"), "code not kept after sending");
        assertEquals(1, count("SELECT count(*) FROM dev_inbox WHERE recipient = '" + to + "'"));
    }

    @Test
    void repeatedEventIdIsAcceptedAndDeliveredOnce() {
        String id = newId();
        String to = phone("2345");
        post(otpSms(id, to, "en")).statusCode(202).body("duplicate", equalTo(false));
        post(otpSms(id, to, "en")).statusCode(202).body("duplicate", equalTo(true))
                .body("deliveries.channel", equalTo(List.of("sms")));
        await("sms sent", () -> "sent".equals(deliveryStatus(id, "sms")));
        post(otpSms(id, to, "en")).statusCode(202).body("duplicate", equalTo(true))
                .body("deliveries[0].status", equalTo("sent"));
        assertEquals(1, SmsProviderStub.to(to).size());
        assertEquals(1, count("SELECT count(*) FROM delivery WHERE event_id = '" + id + "'"));
    }

    @Test
    void sameEventIdWithAnotherBodyIsRefused() {
        String id = newId();
        String to = phone("3456");
        post(otpSms(id, to, "en")).statusCode(202);
        expectProblem(post(otpSms(id, to, "ja")), 422, "event-id-reused");
        assertEquals(1, count("SELECT count(*) FROM delivery WHERE event_id = '" + id + "'"));
    }

    @Test
    void otpMailArrivesOverSmtpInTheRecipientsLocale() throws Exception {
        String id = newId();
        String to = "taro." + UUID.randomUUID().toString().substring(0, 8) + "@example.jp";
        post("""
                {"eventId": "%s", "type": "otp.email", "locale": "en",
                 "recipient": {"email": "%s"}, "data": {"code": "771204", "ttlSeconds": 600}}"""
                .formatted(id, to)).statusCode(202);
        await("mail sent", () -> "sent".equals(deliveryStatus(id, "email")));
        MimeMessage mail = List.of(SmtpServer.mail().getReceivedMessages()).stream()
                .filter(m -> {
                    try {
                        return m.getAllRecipients()[0].toString().equals(to);
                    } catch (Exception e) {
                        return false;
                    }
                }).findFirst().orElseThrow();
        assertEquals("Your Kessai verification code", mail.getSubject());
        String body = mail.getContent().toString();
        assertTrue(body.contains("771204") && body.contains("10 minutes") && body.contains("Never share"), body);
        assertEquals("en", mail.getHeader("Content-Language")[0]);
    }

    @Test
    void securityAlertGoesToEveryVerifiedChannelGiven() throws Exception {
        String id = newId();
        String to = phone("4567");
        String email = "hanako." + UUID.randomUUID().toString().substring(0, 8) + "@example.jp";
        post("""
                {"eventId": "%s", "type": "security.new_device",
                 "recipient": {"phone": "%s", "email": "%s"}, "data": {"deviceName": "Pixel 9"}}"""
                .formatted(id, to, email)).statusCode(202)
                .body("deliveries.channel", equalTo(List.of("sms", "email")));
        await("both sent",
                () -> "sent".equals(deliveryStatus(id, "sms")) && "sent".equals(deliveryStatus(id, "email")));
        assertTrue(SmsProviderStub.to(to).get(0).json().contains("Pixel 9"));
        assertTrue(List.of(SmtpServer.mail().getReceivedMessages()).stream().anyMatch(m -> {
            try {
                return m.getAllRecipients()[0].toString().equals(email)
                        && m.getSubject().equals("【Kessai】新しい端末でログインしました");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    @Test
    void passwordAndFactorAlertsReachPhoneAndMailboxInEitherLocale() throws Exception {
        record Alert(String type, String locale, String data, String sms, String subject, String bodyPart) {
        }
        List<Alert> alerts = List.of(
                new Alert("security.password_changed", "ja", "{}",
                        "【Kessai】パスワードが変更され、全端末でログアウトしました。心当たりがなければすぐサポートへ連絡を。",
                        "【Kessai】パスワードが変更されました", "すべての端末でログアウトしました"),
                new Alert("security.password_changed", "en", "{}",
                        "Kessai: your password was changed and you were signed out on all devices. "
                                + "Not you? Contact support at once.",
                        "Your Kessai password was changed", "you were signed out on every device"),
                new Alert("security.factor_changed", "ja", "{\"factor\": \"totp_disabled\"}",
                        "【Kessai】認証アプリによる2段階認証が無効になりました。心当たりがなければすぐサポートへ連絡を。",
                        "【Kessai】セキュリティ設定が変更されました", "認証アプリによる2段階認証が無効になりました"),
                new Alert("security.factor_changed", "en", "{\"factor\": \"email_changed\"}",
                        "Kessai: your account's email address was changed. Not you? Contact support at once.",
                        "A security setting of your Kessai account was changed",
                        "The email address of your account was changed."));
        List<String> ids = new ArrayList<>();
        List<String> phones = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        for (Alert alert : alerts) {
            String id = newId();
            String to = phone("1357");
            String email = "jiro." + UUID.randomUUID().toString().substring(0, 8) + "@example.jp";
            post("""
                    {"eventId": "%s", "type": "%s", "locale": "%s",
                     "recipient": {"userId": "u-9", "phone": "%s", "email": "%s"}, "data": %s}"""
                    .formatted(id, alert.type(), alert.locale(), to, email, alert.data())).statusCode(202)
                    .body("duplicate", equalTo(false))
                    .body("deliveries.channel", equalTo(List.of("sms", "email")));
            ids.add(id);
            phones.add(to);
            emails.add(email);
        }
        for (int i = 0; i < alerts.size(); i++) {
            Alert alert = alerts.get(i);
            String id = ids.get(i);
            await(alert.type() + "/" + alert.locale() + " sent",
                    () -> "sent".equals(deliveryStatus(id, "sms")) && "sent".equals(deliveryStatus(id, "email")));
            List<SmsProviderStub.Received> sms = SmsProviderStub.to(phones.get(i));
            assertEquals(1, sms.size());
            assertEquals(alert.sms(), JsonPath.from(sms.get(0).json()).getString("text"));
            MimeMessage mail = mailTo(emails.get(i));
            assertEquals(alert.subject(), mail.getSubject());
            String body = mail.getContent().toString();
            assertTrue(body.contains(alert.bodyPart()), body);
            assertEquals(alert.locale(), mail.getHeader("Content-Language")[0]);
        }
    }

    private static MimeMessage mailTo(String address) {
        return List.of(SmtpServer.mail().getReceivedMessages()).stream().filter(m -> {
            try {
                return m.getAllRecipients()[0].toString().equals(address);
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow(() -> new AssertionError("no mail to " + address));
    }

    @Test
    void failingProviderIsRetriedWithBackoffThenDeadLetteredAndOpsCanRedeliver() {
        String id = newId();
        String to = phone("0999");
        post(otpSms(id, to, "ja")).statusCode(202);
        await("dead-lettered", () -> "dead".equals(deliveryStatus(id, "sms")));
        assertEquals(3, SmsProviderStub.to(to).size(), "max-attempts is 3 in tests");
        assertEquals("SMS provider answered HTTP 500",
                queryText("SELECT last_error FROM delivery WHERE event_id = '" + id + "'"));
        long deliveryId = count("SELECT id FROM delivery WHERE event_id = '" + id + "'");

        String ops = TestIssuer.tokens().token("ops-1", "ops");
        given().auth().oauth2(ops).when().get("/v1/ops/deliveries?status=dead")
                .then().statusCode(200).body("eventId", hasItem(id));
        given().auth().oauth2(ops).when().post("/v1/ops/deliveries/" + deliveryId + "/redeliver")
                .then().statusCode(200).body("status", equalTo("pending")).body("attempts", equalTo(0));
        // Tried again until dead once more: the test ends with its delivery finished, so that its retries neither
        // load the tests after it nor count against the SMS circuit breaker while they run.
        await("tried again, then dead-lettered again", () -> "dead".equals(deliveryStatus(id, "sms")));
        assertEquals(6, SmsProviderStub.to(to).size(), "max-attempts again after the redelivery");
        expectProblem(given().auth().oauth2(ops).when().post("/v1/ops/deliveries/999999999/redeliver").then(), 404,
                "not-found");
    }

    @Test
    void textOfAnOldDeadDeliveryIsPurgedAndItCanNoLongerBeRedelivered() {
        String id = newId();
        String to = phone("0400");
        post(otpSms(id, to, "ja")).statusCode(202);
        await("dead-lettered", () -> "dead".equals(deliveryStatus(id, "sms")));
        long deliveryId = count("SELECT id FROM delivery WHERE event_id = '" + id + "'");
        assertNotNull(queryText("SELECT body FROM delivery WHERE id = " + deliveryId), "kept while young");
        queryText("UPDATE delivery SET created_at = now() - interval '2 days' WHERE id = " + deliveryId
                + " RETURNING id");

        // The scheduled purge (every 10 minutes) may run first; either way the row must end without its text.
        purge.purge().await().atMost(java.time.Duration.ofSeconds(10));
        assertNull(queryText("SELECT body FROM delivery WHERE id = " + deliveryId), "the code is gone");
        assertNull(queryText("SELECT subject FROM delivery WHERE id = " + deliveryId));
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("ops-1", "ops"))
                .when().post("/v1/ops/deliveries/" + deliveryId + "/redeliver").then(), 409, "not-redeliverable");
    }

    @Test
    void numberRejectedByTheProviderIsDeadLetteredWithoutRetry() {
        String id = newId();
        String to = phone("0400");
        post(otpSms(id, to, "ja")).statusCode(202);
        await("dead-lettered", () -> "dead".equals(deliveryStatus(id, "sms")));
        assertEquals(1, SmsProviderStub.to(to).size());
    }

    @Test
    void smsToOneNumberOverTheHourlyLimitIsRecordedAsLimitedAndNeverSent() {
        String to = phone("5678");
        for (int i = 0; i < 10; i++) {
            post(otpSms(newId(), to, "en")).statusCode(202).body("deliveries[0].status", equalTo("pending"));
        }
        String eleventh = newId();
        post(otpSms(eleventh, to, "en")).statusCode(202).body("deliveries[0].status", equalTo("limited"));
        await("first ten sent", () -> SmsProviderStub.to(to).size() == 10);
        assertEquals("limited", deliveryStatus(eleventh, "sms"));
        assertEquals("per-recipient send limit reached",
                queryText("SELECT last_error FROM delivery WHERE event_id = '" + eleventh + "'"));
    }

    @Test
    void paymentReceiptReachesTheCustomersAndTheMerchantsStreams() {
        String id = newId();
        post("""
                {"eventId": "%s", "type": "payment.completed",
                 "recipient": {"userId": "u-77", "merchantId": "m-5"},
                 "data": {"paymentId": "p-1", "merchantName": "Lawson", "amount": {"amount": 1200, "currency": "JPY"}}}"""
                .formatted(id)).statusCode(202)
                .body("deliveries.channel", equalTo(List.of("push", "push")));
        await("stream events",
                () -> count("SELECT count(*) FROM stream_event WHERE data->>'eventId' = '" + id + "'") == 2);
        assertEquals("payment.completed", queryText("SELECT type FROM stream_event WHERE audience = 'merchant:m-5' "
                + "AND data->>'eventId' = '" + id + "'"));
        assertEquals("1200", queryText("SELECT data->'data'->'amount'->>'amount' FROM stream_event "
                + "WHERE audience = 'user:u-77' AND data->>'eventId' = '" + id + "'"));
    }

    @Test
    void unknownTypeIsRefusedAndNothingIsStored() {
        String id = newId();
        expectProblem(post("""
                {"eventId": "%s", "type": "otp.fax", "recipient": {"phone": "+819012345678"}, "data": {}}"""
                .formatted(id)), 400, "unknown-event-type");
        assertEquals(0, count("SELECT count(*) FROM event WHERE event_id = '" + id + "'"));
    }

    @Test
    void missingOrInvalidDataIsRefusedFieldByFieldAndNothingIsStored() {
        String id = newId();
        expectProblem(post("""
                {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"},
                 "data": {"code": "12ab", "ttlSeconds": 5}}""".formatted(id)), 400, "invalid-event")
                .body("errors.field", equalTo(List.of("data.code", "data.ttlSeconds")));
        expectProblem(post("""
                {"eventId": "%s", "type": "payment.completed", "recipient": {"userId": "u-1"},
                 "data": {"paymentId": "p", "merchantName": "M", "amount": {"amount": -5, "currency": "JPY"}}}"""
                .formatted(id)), 400, "invalid-event")
                .body("errors.field", equalTo(List.of("data.amount")));
        assertEquals(0, count("SELECT count(*) FROM event WHERE event_id = '" + id + "'"));
    }

    /** Event data is stored as given, so it is bounded like a transfer's metadata; a field twice is refused too. */
    @Test
    void dataTooDeepTooLargeOrWithAFieldTwiceIsRefusedAndNothingIsStored() {
        String id = newId();
        String event = """
                {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"}, "data": %s}""";
        String sixLevels = "{\"a\":".repeat(6) + "1" + "}".repeat(6);
        expectProblem(post(event.formatted(id, sixLevels)), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("data")));
        expectProblem(post(event.formatted(id, "{\"code\": \"482913\", \"ttlSeconds\": 300, \"note\": \""
                + "x".repeat(4_100) + "\"}")), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("data")));
        String nineHundredLevels = "{\"a\":".repeat(900) + "1" + "}".repeat(900);
        expectProblem(post(event.formatted(id, nineHundredLevels)), 400, "malformed-body");
        expectProblem(post(event.formatted(id, "{\"code\": \"482913\", \"code\": \"000000\", \"ttlSeconds\": 300}")),
                400, "malformed-body");
        assertEquals(0, count("SELECT count(*) FROM event WHERE event_id = '" + id + "'"));
    }

    @Test
    void factorOutsideTheListOrMissingIsRefusedLikeAnyOtherFieldAndNothingIsStored() {
        String rule = "one of totp_enabled, totp_disabled, recovery_codes_replaced, email_changed";
        String id = newId();
        for (String data : List.of("{}", "{\"factor\": null}")) {
            expectProblem(post("""
                    {"eventId": "%s", "type": "security.factor_changed", "recipient": {"phone": "+819012345678"},
                     "data": %s}""".formatted(id, data)), 400, "invalid-event")
                    .body("title", equalTo("Invalid event"))
                    .body("detail", equalTo("The data of a security.factor_changed event is incomplete or invalid; "
                            + "see errors."))
                    .body("errors.field", equalTo(List.of("data.factor")))
                    .body("errors.message", equalTo(List.of("is required: " + rule)));
        }
        expectProblem(post("""
                {"eventId": "%s", "type": "security.factor_changed", "recipient": {"phone": "+819012345678"}}"""
                .formatted(id)), 400, "invalid-event")
                .body("errors.field", equalTo(List.of("data.factor")))
                .body("errors.message", equalTo(List.of("is required: " + rule)));
        for (String factor : List.of("\"TOTP_ENABLED\"", "\"totp_enabled \"", "\"password_changed\"", "\"\"",
                "1", "true", "[\"totp_enabled\"]")) {
            expectProblem(post("""
                    {"eventId": "%s", "type": "security.factor_changed", "recipient": {"phone": "+819012345678"},
                     "data": {"factor": %s}}""".formatted(id, factor)), 400, "invalid-event")
                    .body("detail", equalTo("The data of a security.factor_changed event is incomplete or invalid; "
                            + "see errors."))
                    .body("errors.field", equalTo(List.of("data.factor")))
                    .body("errors.message", equalTo(List.of("must be " + rule)));
        }
        assertEquals(0, count("SELECT count(*) FROM event WHERE event_id = '" + id + "'"));
    }

    @Test
    void recipientWithoutAnAddressForTheTypeIsRefused() {
        expectProblem(post("""
                {"eventId": "%s", "type": "otp.sms", "recipient": {"email": "a@example.jp"},
                 "data": {"code": "123456", "ttlSeconds": 300}}""".formatted(newId())), 400, "invalid-event");
    }

    @Test
    void malformedAddressesAndIdsAreValidationErrors() {
        expectProblem(post("""
                {"eventId": "has spaces", "type": "otp.sms", "recipient": {"phone": "090-1234-5678"},
                 "data": {"code": "123456", "ttlSeconds": 300}}"""), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("eventId", "recipient.phone")));
    }

    @Test
    void onlyServicesThatSendMessagesMayHandOverEvents() {
        String id = newId();
        String body = otpSms(id, phone("6789"), "ja");
        // wallet-service sends no messages, and ops hands over nothing: an OTP in their name would reach a phone.
        for (String token : List.of(tokenOf(Scopes.WALLET_SERVICE), tokenOf(Scopes.NOTIFICATION_SERVICE),
                TestIssuer.tokens().token("ops-console", "ops"))) {
            expectProblem(given().auth().oauth2(token).contentType(ContentType.JSON).body(body).when()
                    .post("/v1/internal/events").then(), 403, "forbidden");
        }
        assertEquals(0, count("SELECT count(*) FROM delivery WHERE event_id = '" + id + "'"));
        expectProblem(given().contentType(ContentType.JSON).body(body).when().post("/v1/internal/events").then(), 401,
                "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("u-1", "customer")).contentType(ContentType.JSON)
                .body(body).when().post("/v1/internal/events").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().expiredToken("auth-service", "service"))
                .contentType(ContentType.JSON).body(body).when().post("/v1/internal/events").then(), 401,
                "unauthorized");
    }

    @Test
    void opsAndDevInboxEndpointsRefuseOtherRoles() {
        expectProblem(given().auth().oauth2(serviceToken()).when().get("/v1/ops/deliveries").then(), 403,
                "forbidden");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("u-1", "customer")).when().get("/v1/dev/inbox")
                .then(), 403, "forbidden");
        expectProblem(given().when().get("/v1/dev/inbox").then(), 401, "unauthorized");
    }

    @Test
    void devInboxShowsDeliveredCodesToServices() {
        String id = newId();
        String to = phone("7890");
        post(otpSms(id, to, "en")).statusCode(202);
        // The dev inbox copy is written in the transaction that marks the delivery sent, so it is there once 'sent' is.
        await("sms sent", () -> "sent".equals(deliveryStatus(id, "sms")));
        given().auth().oauth2(serviceToken()).queryParam("recipient", to).when().get("/v1/dev/inbox")
                .then().statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].channel", equalTo("sms"))
                .body("[0].body", org.hamcrest.Matchers.containsString("482913"));
    }
}
