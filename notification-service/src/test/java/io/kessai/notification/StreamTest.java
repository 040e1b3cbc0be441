package io.kessai.notification;

import static io.kessai.notification.NotificationTestSupport.post;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.OutgoingMessage;
import io.kessai.notification.stream.StreamPublisher;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;

/** Real-time streams: own events only, within a second, resumable with Last-Event-ID. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(SmsProviderStub.class)
@WithTestResource(SmtpServer.class)
@WithTestResource(WebhookReceiver.class)
class StreamTest {

    @Inject
    Pool pool;

    @Inject
    StreamPublisher publisher;

    @TestHTTPResource("/v1/streams/customer")
    URI customerStream;

    @TestHTTPResource("/v1/streams/merchant")
    URI merchantStream;

    /**
     * How long a test waits for a line that must come. Generous: it only bounds a failing test, and a busy machine
     * (two cores shared by several builds) must not turn a slow arrival into a failure. How fast events arrive is
     * measured by the benchmarks (docs/benchmarks.md), not asserted here.
     */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static String payment(String eventId, String userId, String merchantId) {
        return """
                {"eventId": "%s", "type": "payment.completed",
                 "recipient": {"userId": "%s", "merchantId": "%s"},
                 "data": {"paymentId": "p-%s", "merchantName": "Lawson", "amount": {"amount": 580, "currency": "JPY"}}}"""
                .formatted(eventId, userId, merchantId, eventId.hashCode());
    }

    @Test
    void customerReceivesOwnEventAndNeverAnothers() throws Exception {
        String me = "u-" + UUID.randomUUID();
        String other = "u-" + UUID.randomUUID();
        try (SseClient stream = new SseClient(customerStream, TestIssuer.tokens().token(me, "customer"), null)) {
            assertEquals(200, stream.status());
            stream.readUntil(":connected", PATIENCE);

            String othersEvent = "test:" + UUID.randomUUID();
            String myEvent = "test:" + UUID.randomUUID();
            post(payment(othersEvent, other, "m-1")).statusCode(202);
            post(payment(myEvent, me, "m-1")).statusCode(202);

            List<String> lines = new ArrayList<>(stream.readUntil("data:", PATIENCE));
            String data = lines.get(lines.size() - 1);
            assertTrue(data.contains(myEvent), data);
            assertTrue(lines.contains("event: payment.completed") || lines.contains("event:payment.completed"),
                    lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("id:")), "events carry ids: " + lines);

            // Once the other customer's event is stored (and announced, in the same transaction), a marker event of
            // mine is stored after it; a stream sends in id order, so one that leaked the other's event would send it
            // before the marker. This needs no quiet window of a guessed length.
            NotificationTestSupport.await("the other customer's event stored", () -> NotificationTestSupport.count(
                    "SELECT count(*) FROM stream_event WHERE audience = 'user:" + other + "' AND data->>'eventId' = '"
                            + othersEvent + "'") == 1);
            String marker = "test:" + UUID.randomUUID();
            post(payment(marker, me, "m-1")).statusCode(202);
            lines.addAll(stream.readUntilContaining(marker, PATIENCE));
            assertFalse(String.join("\n", lines).contains(othersEvent), "another customer's event leaked: " + lines);
        }
    }

    @Test
    void eventStoredAndAnnouncedByAnotherReplicaReachesThisReplicasClient() throws Exception {
        String me = "u-" + UUID.randomUUID();
        try (SseClient stream = new SseClient(customerStream, TestIssuer.tokens().token(me, "customer"), null)) {
            stream.readUntil(":connected", PATIENCE);
            String eventId = "replica:" + UUID.randomUUID();
            // What another replica's worker does, over its own connection: store, then NOTIFY in one transaction.
            NotificationTestSupport.queryText("""
                    WITH stored AS (
                        INSERT INTO stream_event (audience, type, data)
                        VALUES ('user:%s', 'topup.completed', '{"eventId": "%s", "type": "topup.completed"}')
                        RETURNING id)
                    SELECT pg_notify('kessai_stream', 'user:%s ' || id) FROM stored""".formatted(me, eventId, me));
            List<String> lines = stream.readUntil("data:", PATIENCE);
            assertTrue(lines.get(lines.size() - 1).contains(eventId), lines.toString());
            assertTrue(lines.contains("event: topup.completed") || lines.contains("event:topup.completed"),
                    lines.toString());
        }
    }

    @Test
    void eventsOfOneAudienceBecomeVisibleInIdOrderWhateverTheirTransactionsDo() throws Exception {
        String audience = "user:u-" + UUID.randomUUID();
        // The first writer takes its id and has not committed yet (a slow delivery transaction on another replica).
        SqlConnection first = pool.getConnection().await().atMost(PATIENCE);
        try {
            Transaction open = first.begin().await().atMost(PATIENCE);
            publisher.publish(first, List.of(push(audience, "first"))).await().atMost(PATIENCE);
            // A second writer to the same audience: were it to take a higher id and commit first, a stream sent its
            // event would skip the first one's for good (streams send id > last sent).
            CompletableFuture<Void> second = pool.withTransaction(tx -> publisher.publish(tx, List.of(push(audience,
                    "second")))).subscribeAsCompletionStage();
            // It waits for the first to commit: it can never finish before that, however long this looks.
            Thread.sleep(500);
            assertFalse(second.isDone(), "the second writer waits for the first");
            assertEquals(0, NotificationTestSupport.count("SELECT count(*) FROM stream_event WHERE audience = '"
                    + audience + "'"));
            open.commit().await().atMost(PATIENCE);
            second.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            first.close().await().atMost(PATIENCE);
        }
        assertEquals("first,second", NotificationTestSupport.queryText("SELECT string_agg(data->>'eventId', ',' "
                + "ORDER BY id) FROM stream_event WHERE audience = '" + audience + "'"));
    }

    private static OutgoingMessage push(String audience, String eventId) {
        return new OutgoingMessage(0, eventId, Channel.PUSH, audience, "ja", null,
                "{\"eventId\": \"" + eventId + "\", \"type\": \"topup.completed\"}", 1);
    }

    @Test
    void idleStreamGetsHeartbeats() throws Exception {
        try (SseClient stream = new SseClient(customerStream,
                TestIssuer.tokens().token("u-" + UUID.randomUUID(), "customer"), null)) {
            stream.readUntil(":connected", PATIENCE);
            stream.readUntil(":heartbeat", PATIENCE); // every 1 s in tests, 15 s by default
            String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
            double open = metrics.lines().filter(l -> l.startsWith("kessai_notification_streams_open "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
            assertTrue(open >= 1, "open streams gauge counts this connection: " + open);
        }
    }

    @Test
    void merchantTillReceivesItsPayments() throws Exception {
        String merchant = "m-" + UUID.randomUUID();
        String tillToken = TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), merchant,
                UUID.randomUUID().toString(), "T1");
        try (SseClient till = new SseClient(merchantStream, tillToken, null)) {
            till.readUntil(":connected", PATIENCE);
            String eventId = "test:" + UUID.randomUUID();
            post(payment(eventId, "u-9", merchant)).statusCode(202);
            List<String> lines = till.readUntil("data:", PATIENCE);
            assertTrue(lines.get(lines.size() - 1).contains(eventId));
        }
    }

    @Test
    void reconnectingWithLastEventIdResumesWithoutLossOrRepeat() throws Exception {
        String me = "u-" + UUID.randomUUID();
        String token = TestIssuer.tokens().token(me, "customer");
        String first = "test:" + UUID.randomUUID();
        String id;
        try (SseClient stream = new SseClient(customerStream, token, null)) {
            stream.readUntil(":connected", PATIENCE);
            post(payment(first, me, "m-2")).statusCode(202);
            List<String> lines = stream.readUntil("data:", PATIENCE);
            id = lines.stream().filter(l -> l.startsWith("id:")).findFirst().orElseThrow().substring(3).trim();
        }
        // Two events while the app is offline.
        String second = "test:" + UUID.randomUUID();
        String third = "test:" + UUID.randomUUID();
        post(payment(second, me, "m-2")).statusCode(202);
        post(payment(third, me, "m-2")).statusCode(202);
        NotificationTestSupport.await("both stored", () -> NotificationTestSupport.count(
                "SELECT count(*) FROM stream_event WHERE audience = 'user:" + me + "'") == 3);

        try (SseClient resumed = new SseClient(customerStream, token, id)) {
            resumed.readUntil(":connected", PATIENCE);
            // Read until the last event arrives, however long that takes, rather than for a fixed time.
            String received = String.join("\n", resumed.readUntilContaining(third, PATIENCE));
            assertFalse(received.contains(first), "already seen before the reconnect");
            assertTrue(received.contains(second) && received.contains(third), received);
            assertTrue(received.indexOf(second) < received.indexOf(third), "in order");
        }
    }

    @Test
    void replicaIsReadyWithItsStreamListenerInPlace() {
        // Start-up waited for LISTEN, so the first test already finds it in place (and the readiness check says so).
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'Stream listener (LISTEN kessai_stream)' }.status", equalTo("UP"));
    }

    @Test
    void streamsNeedTheRightRoleAndAValidLastEventId() {
        expectProblem(given().when().get("/v1/streams/customer").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("m-1", "merchant"))
                .when().get("/v1/streams/customer").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("u-1", "customer"))
                .when().get("/v1/streams/merchant").then(), 403, "forbidden");
        // An owner's session names no merchant: only a till credential's token reads a merchant's stream.
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("owner-1", "merchant"))
                .when().get("/v1/streams/merchant").then(), 403, "forbidden");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("u-1", "customer"))
                .header("Last-Event-ID", "-3").when().get("/v1/streams/customer").then(), 400,
                "invalid-last-event-id");
    }
}
