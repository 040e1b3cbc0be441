package io.kessai.notification;

import static io.kessai.notification.NotificationTestSupport.await;
import static io.kessai.notification.NotificationTestSupport.post;
import static io.kessai.notification.NotificationTestSupport.queryText;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.kessai.notification.webhook.WebhookWorker;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Merchant webhooks: signed as documented, retried, redeliverable, private to their merchant, never aimed inside. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class WebhookTest {

    @Inject
    WebhookWorker worker;

    private static String merchantToken(String merchant) {
        return TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), merchant, UUID.randomUUID().toString(), "T1");
    }

    private static Map<String, Object> register(String merchant, String url) {
        return given().auth().oauth2(merchantToken(merchant)).contentType(ContentType.JSON)
                .body(Map.of("url", url))
                .when().post("/v1/webhooks")
                .then().statusCode(201)
                .body("secret", startsWith("whsec_"))
                .body("events", equalTo(List.of("payment.canceled", "payment.completed", "payment.refunded")))
                .extract().as(Map.class);
    }

    private static String paymentFor(String merchant) {
        String eventId = "test:" + UUID.randomUUID();
        post("""
                {"eventId": "%s", "type": "payment.completed", "recipient": {"userId": "u-1", "merchantId": "%s"},
                 "data": {"paymentId": "p-9", "merchantName": "Lawson", "amount": {"amount": 980, "currency": "JPY"}}}"""
                .formatted(eventId, merchant)).statusCode(202);
        return eventId;
    }

    /** What a merchant does with the documented algorithm (docs/webhooks.md). */
    private static boolean verifies(String signatureHeader, String body, String secret) throws Exception {
        String timestamp = signatureHeader.split(",")[0].substring(2);
        String v1 = signatureHeader.split(",")[1].substring(3);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of()
                .formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        long age = System.currentTimeMillis() / 1000 - Long.parseLong(timestamp);
        return expected.equals(v1) && age >= 0 && age < 300;
    }

    @Test
    void paymentReachesTheMerchantsEndpointSignedAsDocumented() throws Exception {
        String merchant = "m-" + UUID.randomUUID();
        String path = "/ok/" + merchant;
        String secret = (String) register(merchant, WebhookReceiver.url(path)).get("secret");
        String eventId = paymentFor(merchant);
        await("webhook received", () -> WebhookReceiver.at(path).size() == 1);
        WebhookReceiver.Received received = WebhookReceiver.at(path).get(0);
        assertEquals(eventId, received.eventId());
        assertTrue(received.body().contains("\"eventId\":\"" + eventId + "\""), received.body());
        assertTrue(verifies(received.signature(), received.body(), secret), received.signature());
        assertTrue(!verifies(received.signature(), received.body().replace("980", "9800"), secret),
                "a tampered body fails verification");
        await("marked sent", () -> "sent".equals(queryText(
                "SELECT status FROM webhook_delivery WHERE event_id = '" + eventId + "'")));
    }

    @Test
    void endpointAnswering500IsRetriedUntilItAccepts() {
        String merchant = "m-" + UUID.randomUUID();
        String path = "/flaky/" + merchant;
        Object id = register(merchant, WebhookReceiver.url(path)).get("id");
        String eventId = paymentFor(merchant);
        await("sent after retries", () -> "sent".equals(queryText(
                "SELECT status FROM webhook_delivery WHERE event_id = '" + eventId + "'")));
        assertEquals(3, WebhookReceiver.at(path).size());
        given().auth().oauth2(merchantToken(merchant)).when().get("/v1/webhooks/" + id + "/deliveries")
                .then().statusCode(200)
                .body("[0].status", equalTo("sent")).body("[0].attempts", equalTo(3))
                .body("[0].lastStatus", equalTo(200));
    }

    private static String deliveryStatus(String eventId) {
        return queryText("SELECT status FROM webhook_delivery WHERE event_id = '" + eventId + "'");
    }

    /**
     * Ends the delivery's retry window now, as 24 hours passing would. Tests use the long default window and drive
     * the give-up this way, so that no test depends on how many tries fit into a few seconds of a busy machine.
     */
    private static void endRetryWindow(String eventId) {
        TestDatabase.execute("UPDATE webhook_delivery SET give_up_at = now() WHERE event_id = '" + eventId + "'");
    }

    @Test
    void endpointThatNeverAcceptsIsDeadLetteredAndCanBeRedeliveredOnDemand() {
        String merchant = "m-" + UUID.randomUUID();
        String path = "/down/" + merchant;
        Object id = register(merchant, WebhookReceiver.url(path)).get("id");
        String eventId = paymentFor(merchant);
        await("retried while the window is open", () -> WebhookReceiver.at(path).size() >= 3);
        assertEquals("pending", deliveryStatus(eventId), "not given up inside the retry window");
        endRetryWindow(eventId);
        await("dead after the retry window", () -> "dead".equals(deliveryStatus(eventId)));
        int attempts = WebhookReceiver.at(path).size();
        assertTrue(attempts >= 3, "retried before giving up: " + attempts);
        Number deliveryId = given().auth().oauth2(merchantToken(merchant)).when()
                .get("/v1/webhooks/" + id + "/deliveries").then().statusCode(200)
                .body("[0].status", equalTo("dead")).body("[0].lastStatus", equalTo(500))
                .extract().path("[0].id");
        given().auth().oauth2(merchantToken(merchant)).when()
                .post("/v1/webhooks/" + id + "/deliveries/" + deliveryId + "/redeliver").then().statusCode(202);
        await("sent again", () -> WebhookReceiver.at(path).size() > attempts);

        // The redelivery is retried for a new window; end that too and see it dead-lettered, so that it is not
        // called for the rest of this JVM, loading every later test.
        endRetryWindow(eventId);
        await("dead again after the redelivery's window", () -> "dead".equals(deliveryStatus(eventId)));
    }

    @Test
    void deliveryDueToARemovedEndpointIsDeadLetteredWithoutAnotherCall() {
        String merchant = "m-" + UUID.randomUUID();
        String path = "/down/" + merchant;
        Object id = register(merchant, WebhookReceiver.url(path)).get("id");
        String eventId = paymentFor(merchant);
        await("tried and backing off", () -> WebhookReceiver.at(path).size() >= 1);

        given().auth().oauth2(merchantToken(merchant)).when().delete("/v1/webhooks/" + id).then().statusCode(204);
        // Without the check, the removed endpoint would be called until the retry window (24 h) ends.
        await("dead-lettered once due", () -> "dead".equals(deliveryStatus(eventId)));
        assertEquals("endpoint removed",
                queryText("SELECT last_error FROM webhook_delivery WHERE event_id = '" + eventId + "'"));
        int calls = WebhookReceiver.at(path).size();
        // Dead, so never claimed again: a further run of the worker calls no one.
        worker.sendDue().await().atMost(Duration.ofSeconds(10));
        assertEquals(calls, WebhookReceiver.at(path).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://10.0.0.5/hook", "https://192.168.1.1/hook", "https://172.16.0.1/hook",
            "https://169.254.169.254/latest/meta-data", "https://localhost/hook", "https://[::1]/hook",
            "https://[fd00::1]/hook", "https://100.64.0.1/hook", "https://0.0.0.0/hook",
            "http://203.0.113.10/hook", "ftp://203.0.113.10/hook", "https://user:pw@203.0.113.10/hook",
            "not a url"})
    void privateLoopbackLinkLocalAndNonHttpsTargetsAreRefused(String url) {
        String merchant = "m-" + UUID.randomUUID();
        expectProblem(given().auth().oauth2(merchantToken(merchant)).contentType(ContentType.JSON)
                .body(Map.of("url", url)).when().post("/v1/webhooks").then(), 400, "webhook-target-refused");
        assertEquals("0", queryText("SELECT count(*) FROM webhook_endpoint WHERE merchant_id = '" + merchant + "'"));
    }

    @Test
    void endpointsBelongToTheirMerchantAndSecretsAreShownOnce() {
        String owner = "m-" + UUID.randomUUID();
        Object id = register(owner, WebhookReceiver.url("/ok/" + owner)).get("id");
        given().auth().oauth2(merchantToken(owner)).when().get("/v1/webhooks")
                .then().statusCode(200).body("", hasSize(1)).body("[0].secret", nullValue());

        String intruder = "m-" + UUID.randomUUID();
        given().auth().oauth2(merchantToken(intruder)).when().get("/v1/webhooks").then().body("", hasSize(0));
        expectProblem(given().auth().oauth2(merchantToken(intruder)).when().get("/v1/webhooks/" + id + "/deliveries")
                .then(), 404, "not-found");
        expectProblem(given().auth().oauth2(merchantToken(intruder)).when().delete("/v1/webhooks/" + id).then(), 404,
                "not-found");
        // The merchant is the till token's merchant_id claim, never its subject: a token without it is refused.
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token(owner, "merchant")).when().get("/v1/webhooks")
                .then(), 403, "forbidden");
        // Each merchantToken(...) is another till of the merchant: they all see the same endpoints.
        given().auth().oauth2(merchantToken(owner)).when().delete("/v1/webhooks/" + id).then().statusCode(204);
        given().auth().oauth2(merchantToken(owner)).when().get("/v1/webhooks").then().body("", hasSize(0));
    }

    @Test
    void onlyMerchantsManageWebhooks() {
        expectProblem(given().when().get("/v1/webhooks").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("u-1", "customer")).when().get("/v1/webhooks")
                .then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(merchantToken("m-1")).contentType(ContentType.JSON)
                .body(Map.of("url", "https://203.0.113.10/x", "events", List.of("otp.sms")))
                .when().post("/v1/webhooks").then(), 400, "validation-failed");
        given().auth().oauth2(merchantToken("m-1")).contentType(ContentType.JSON).body("{\"url\": 5}")
                .when().post("/v1/webhooks").then().statusCode(400).body("code", not(nullValue()));
    }
}
