package io.kessai.notification;

import static io.kessai.notification.NotificationTestSupport.await;
import static io.kessai.notification.NotificationTestSupport.count;
import static io.kessai.notification.NotificationTestSupport.post;
import static io.kessai.notification.NotificationTestSupport.queryText;
import static io.kessai.notification.NotificationTestSupport.serviceToken;
import static io.kessai.notification.NotificationTestSupport.tokenOf;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.kessai.common.security.Scopes;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * {@code POST /v1/internal/events/batch}: many events in one request and one transaction, each judged as the single
 * endpoint judges it, with its own result in order; a refused event leaves no row and never fails the others.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class EventBatchTest {

    private static String newId() {
        return "batch:" + UUID.randomUUID();
    }

    private static String receipt(String id, String user, String merchant, long amount) {
        return """
                {"eventId": "%s", "type": "payment.completed",
                 "recipient": {"userId": "%s", "merchantId": "%s"},
                 "data": {"paymentId": "p-%s", "merchantName": "Lawson", "amount": {"amount": %d, "currency": "JPY"}}}"""
                .formatted(id, user, merchant, id, amount);
    }

    private static String otpSms(String id, String phone) {
        return """
                {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "%s"},
                 "data": {"code": "482913", "ttlSeconds": 300}}""".formatted(id, phone);
    }

    private static ValidatableResponse postBatch(String token, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .when().post("/v1/internal/events/batch").then();
    }

    private static ValidatableResponse postBatch(List<String> events) {
        return postBatch(serviceToken(), "{\"events\": [" + String.join(",", events) + "]}");
    }

    private static long rows(String table, String eventId) {
        return count("SELECT count(*) FROM " + table + " WHERE event_id = '" + eventId + "'");
    }

    private static final AtomicInteger PHONES = new AtomicInteger();

    /** A number of its own (no other test's SMS count against its limit), which the stub provider accepts. */
    private static String phone() {
        return "+8170" + String.format("%04d", PHONES.incrementAndGet()) + "5555";
    }

    @Test
    void eachEventOfAMixedBatchGetsItsOwnResultInOrderAndOnlyTheAcceptedOnesLeaveRows() {
        String fresh = newId();
        String known = newId();
        String reused = newId();
        String unknownType = newId();
        String badData = newId();
        String badShape = newId();
        String user = "u-" + UUID.randomUUID();
        post(receipt(known, user, "m-1", 100)).statusCode(202);
        post(receipt(reused, user, "m-1", 100)).statusCode(202);

        JsonPath answer = postBatch(List.of(
                receipt(fresh, user, "m-1", 580),
                """
                        {"eventId": "%s", "type": "otp.fax", "recipient": {"phone": "+819012345678"}, "data": {}}"""
                        .formatted(unknownType),
                """
                        {"eventId": "%s", "type": "payment.completed", "recipient": {"userId": "u-1"},
                         "data": {"paymentId": "p", "merchantName": "M", "amount": {"amount": -5, "currency": "JPY"}}}"""
                        .formatted(badData),
                receipt(known, user, "m-1", 100),
                receipt(reused, user, "m-1", 999),
                """
                        {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"}, "data": "482913"}"""
                        .formatted(badShape),
                """
                        {"eventId": "has spaces", "type": "otp.sms", "recipient": {"phone": "090-1234-5678"},
                         "data": {"code": "123456", "ttlSeconds": 300}}""",
                receipt(fresh, user, "m-1", 580),
                receipt(fresh, user, "m-1", 581),
                "null"))
                .statusCode(200)
                .body("accepted", equalTo(1)).body("duplicates", equalTo(2)).body("refused", equalTo(7))
                .extract().jsonPath();

        assertEquals(IntStream.range(0, 10).boxed().toList(), answer.getList("results.index"));
        assertEquals(List.of(202, 400, 400, 202, 422, 400, 400, 202, 422, 400), answer.getList("results.status"));
        List<String> types = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            types.add(answer.getString("results[" + i + "].problem.code"));
        }
        assertEquals(Arrays.asList(null, "unknown-event-type", "invalid-event", null, "event-id-reused",
                "malformed-body", "validation-failed", null, "event-id-reused", "validation-failed"), types);
        assertEquals("https://kessai.io/problems/event-id-reused", answer.getString("results[4].problem.type"));
        assertEquals(422, answer.getInt("results[4].problem.status"));
        assertEquals(List.of("data.amount"), answer.getList("results[2].problem.errors.field"));
        assertEquals(List.of("eventId", "recipient.phone"), answer.getList("results[6].problem.errors.field"));

        // The new event: stored with its two push deliveries, as the single endpoint answers.
        assertEquals(fresh, answer.getString("results[0].eventId"));
        assertEquals(false, answer.getBoolean("results[0].duplicate"));
        assertEquals(List.of("push", "push"), answer.getList("results[0].deliveries.channel"));
        assertEquals(List.of("pending", "pending"), answer.getList("results[0].deliveries.status"));
        assertEquals(1, rows("event", fresh));
        assertEquals(2, rows("delivery", fresh));
        // Its repeat later in the batch is a duplicate with the same deliveries; a different body under it is refused.
        assertEquals(true, answer.getBoolean("results[7].duplicate"));
        assertEquals(List.of("push", "push"), answer.getList("results[7].deliveries.channel"));
        // The event handed over before: accepted again, nothing new.
        assertEquals(true, answer.getBoolean("results[3].duplicate"));
        assertEquals(known, answer.getString("results[3].eventId"));
        assertEquals(2, rows("delivery", known));
        // The reused id keeps what it was first accepted with, and only that.
        assertEquals(2, rows("delivery", reused));
        await("the first receipt under the reused id reaches both streams", () -> count(
                "SELECT count(*) FROM stream_event WHERE data->>'eventId' = '" + reused + "'") == 2);
        assertEquals(0, count("SELECT count(*) FROM stream_event WHERE data->>'eventId' = '" + reused + "' "
                + "AND data->'data'->'amount'->>'amount' <> '100'"));
        // The refused ones left no trace.
        for (String refused : List.of(unknownType, badData, badShape, "has spaces")) {
            assertEquals(0, rows("event", refused), refused);
            assertEquals(0, rows("delivery", refused), refused);
        }
        await("the new receipt reaches both streams", () -> count(
                "SELECT count(*) FROM stream_event WHERE data->>'eventId' = '" + fresh + "'") == 2);
        assertEquals("580", queryText("SELECT data->'data'->'amount'->>'amount' FROM stream_event "
                + "WHERE audience = 'user:" + user + "' AND data->>'eventId' = '" + fresh + "'"));
    }
    /** The refusals the single endpoint gives, one event per request, are the results a batch gives each of them. */
    @Test
    void everyRefusalInABatchIsTheProblemTheSingleEndpointAnswers() {
        String reused = newId();
        post(otpSms(reused, phone())).statusCode(202);
        String sixLevels = "{\"a\":".repeat(6) + "1" + "}".repeat(6);
        List<String> refused = List.of(
                """
                        {"eventId": "%s", "type": "otp.fax", "recipient": {"phone": "+819012345678"}, "data": {}}"""
                        .formatted(newId()),
                """
                        {"eventId": "%s", "type": "security.factor_changed", "recipient": {"phone": "+819012345678"},
                         "data": {"factor": "TOTP_ENABLED"}}""".formatted(newId()),
                """
                        {"eventId": "%s", "type": "otp.sms", "recipient": {"email": "a@example.jp"},
                         "data": {"code": "123456", "ttlSeconds": 300}}""".formatted(newId()),
                """
                        {"eventId": "has spaces", "type": "otp.sms", "recipient": {"phone": "090-1234-5678"},
                         "data": {"code": "123456", "ttlSeconds": 300}}""",
                """
                        {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"}, "data": %s}"""
                        .formatted(newId(), sixLevels),
                """
                        {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"}, "data": "x"}"""
                        .formatted(newId()),
                """
                        {"eventId": "%s", "type": "otp.sms", "recipient": {"phone": "+819012345678"},
                         "data": {"code": "123456", "ttlSeconds": 300}, "priority": "high"}""".formatted(newId()),
                otpSms(reused, "+819099990000"),
                "null");
        List<Map<String, Object>> alone = new ArrayList<>();
        for (String event : refused) {
            Map<String, Object> problem = new java.util.HashMap<>(post(event).statusCode(
                    org.hamcrest.Matchers.greaterThanOrEqualTo(400)).extract().jsonPath().getMap(""));
            problem.remove("instance");
            alone.add(problem);
        }
        JsonPath answer = postBatch(refused).statusCode(200).body("refused", equalTo(refused.size()))
                .extract().jsonPath();
        for (int i = 0; i < refused.size(); i++) {
            assertEquals(alone.get(i), answer.getMap("results[" + i + "].problem"), refused.get(i));
            assertEquals(alone.get(i).get("status"), answer.getInt("results[" + i + "].status"), refused.get(i));
        }
    }

    @Test
    void smsToOneNumberInOneBatchCountAgainstItsLimitAsIfHandedOverOneByOne() {
        String to = phone();
        List<String> ids = IntStream.range(0, 12).mapToObj(i -> newId()).toList();
        JsonPath answer = postBatch(ids.stream().map(id -> otpSms(id, to)).toList()).statusCode(200)
                .extract().jsonPath();
        List<String> expected = new ArrayList<>(Collections.nCopies(10, "pending"));
        expected.addAll(List.of("limited", "limited"));
        assertEquals(expected, IntStream.range(0, 12)
                .mapToObj(i -> answer.getString("results[" + i + "].deliveries[0].status")).toList());
        assertEquals(expected, ids.stream().map(id -> queryText("SELECT CASE WHEN status = 'limited' THEN status "
                + "ELSE 'pending' END FROM delivery WHERE event_id = '" + id + "'")).toList());
        assertEquals("per-recipient send limit reached",
                queryText("SELECT last_error FROM delivery WHERE event_id = '" + ids.get(11) + "'"));
        await("the ten within the limit sent", () -> SmsProviderStub.to(to).size() == 10);
    }

    @Test
    void aBatchIsStoredInOneTransactionWithItsDeliveriesAndWebhooks() {
        String merchant = "m-" + UUID.randomUUID();
        given().auth().oauth2(TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), merchant,
                UUID.randomUUID().toString(), "T1")).contentType(ContentType.JSON)
                .body(Map.of("url", WebhookReceiver.url("/ok/" + merchant))).when().post("/v1/webhooks")
                .then().statusCode(201);
        List<String> ids = IntStream.range(0, 40).mapToObj(i -> newId()).toList();
        postBatch(ids.stream().map(id -> receipt(id, "u-" + UUID.randomUUID(), merchant, 120)).toList())
                .statusCode(200).body("accepted", equalTo(40));
        String in = ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"));
        assertEquals(40, count("SELECT count(*) FROM event WHERE event_id IN " + in));
        // Event rows are never updated, so their xmin still names the transaction that wrote them.
        assertEquals(1, count("SELECT count(DISTINCT xmin::text) FROM event WHERE event_id IN " + in));
        assertEquals(80, count("SELECT count(*) FROM delivery WHERE event_id IN " + in));
        assertEquals(40, count("SELECT count(*) FROM webhook_delivery WHERE event_id IN " + in));
        await("every push delivery sent",
                () -> count("SELECT count(*) FROM delivery WHERE status = 'sent' AND event_id IN " + in) == 80);
        assertEquals(80, count("SELECT count(*) FROM stream_event WHERE data->>'eventId' IN " + in));
        // The worker claims 20 at a time and publishes a claim's push deliveries in one transaction: 4 of them, a few
        // more if other deliveries shared a claim, never one per delivery.
        long publishing = count("SELECT count(DISTINCT xmin::text) FROM stream_event WHERE data->>'eventId' IN " + in);
        assertTrue(publishing <= 8, publishing + " transactions stored 80 stream events");
        assertNull(queryText("SELECT body FROM delivery WHERE body IS NOT NULL AND event_id IN " + in + " LIMIT 1"));
        await("every webhook received", () -> WebhookReceiver.at("/ok/" + merchant).size() == 40);
    }

    @Test
    void anEventHandedOverInABatchIsADuplicateForTheSingleEndpoint() {
        String id = newId();
        String event = receipt(id, "u-" + UUID.randomUUID(), "m-2", 300);
        postBatch(List.of(event)).statusCode(200).body("results[0].status", equalTo(202))
                .body("results[0].duplicate", equalTo(false));
        post(event).statusCode(202).body("duplicate", equalTo(true))
                .body("deliveries.channel", equalTo(List.of("push", "push")));
        assertEquals(2, rows("delivery", id));
    }

    @Test
    void aBatchThatIsNotJsonEmptyOrTooLargeIsRefusedWholeAndStoresNothing() {
        expectProblem(postBatch(serviceToken(), "{\"events\": ["), 400, "malformed-body");
        expectProblem(postBatch(serviceToken(), "{\"events\": {}}"), 400, "malformed-body");
        expectProblem(postBatch(serviceToken(), "{}"), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("events")));
        expectProblem(postBatch(List.of()), 400, "validation-failed").body("errors.field", equalTo(List.of("events")));
        List<String> ids = IntStream.range(0, 101).mapToObj(i -> newId()).toList();
        expectProblem(postBatch(ids.stream().map(id -> receipt(id, "u-1", "m-1", 1)).toList()), 400,
                "validation-failed").body("errors.field", equalTo(List.of("events")))
                .body("detail", equalTo("A batch has 1 to 100 events."));
        String big = "{\"events\": [" + otpSms(ids.get(0), phone()).replace("\"482913\"",
                "\"482913\", \"note\": \"" + "x".repeat(70_000) + "\"") + "]}";
        expectProblem(postBatch(serviceToken(), big), 413, "payload-too-large");
        assertEquals(0, count("SELECT count(*) FROM event WHERE event_id IN "
                + ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"))));
    }

    @Test
    void onlyServicesThatSendMessagesMayHandOverABatch() {
        String id = newId();
        String body = "{\"events\": [" + otpSms(id, phone()) + "]}";
        expectProblem(given().contentType(ContentType.JSON).body(body).when().post("/v1/internal/events/batch").then(),
                401, "unauthorized");
        expectProblem(postBatch(TestIssuer.tokens().tokenSignedByStranger("auth-service", "service"), body), 401,
                "unauthorized");
        expectProblem(postBatch(TestIssuer.tokens().expiredToken("auth-service", "service"), body), 401,
                "unauthorized");
        for (String token : List.of(tokenOf(Scopes.WALLET_SERVICE), tokenOf(Scopes.NOTIFICATION_SERVICE),
                TestIssuer.tokens().token("ops-console", "ops"), TestIssuer.tokens().token("u-1", "customer"))) {
            expectProblem(postBatch(token, body), 403, "forbidden");
        }
        assertEquals(0, rows("event", id));
        assertEquals(0, rows("delivery", id));
        postBatch(tokenOf(Scopes.PAYMENT_SERVICE), body).statusCode(200).body("results[0].status", equalTo(202));
        assertEquals(1, rows("delivery", id));
    }
}
