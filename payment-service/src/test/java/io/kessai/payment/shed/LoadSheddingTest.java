package io.kessai.payment.shed;

import static io.kessai.payment.shed.Shop.as;
import static io.kessai.payment.shed.Shop.customer;
import static io.kessai.payment.shed.Shop.getLater;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;

/**
 * Shedding with tiny limits: four in flight in all, two of them only for payments, two reads, two code changes.
 *
 * <p>Requests are held in flight on purpose, not by a burst that may or may not outrun the service: the test locks the
 * payment table, so that every read of a payment and every payment waits in the database, taken on and counted, until
 * the test lets them go.
 */
@QuarkusTest
@TestProfile(LoadSheddingTest.TinyLimits.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class LoadSheddingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static class TinyLimits implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.payment.shedding.max-in-flight", "4",
                    "kessai.payment.shedding.reserved-for-payments", "2",
                    "kessai.payment.shedding.reads-max-in-flight", "2",
                    "kessai.payment.shedding.codes-max-in-flight", "2",
                    "kessai.payment.shedding.other-max-in-flight", "2",
                    "kessai.payment.shedding.retry-after", "2S");
        }
    }

    @Inject
    LoadShedding shedding;

    @Inject
    MeterRegistry metrics;

    @AfterEach
    void everyPlaceIsGivenBack() {
        Eventually.until("no request in flight", WAIT, () -> inFlightOfAll() == 0);
    }

    private int inFlightOfAll() {
        int all = 0;
        for (EndpointClass endpointClass : EndpointClass.values()) {
            all += shedding.inFlight(endpointClass);
        }
        return all;
    }

    private double shed(EndpointClass endpointClass) {
        return metrics.counter("kessai.payment.shed.requests", "class", endpointClass.label()).count();
    }

    /** Runs {@code held} while the payment table is locked: payments and their reads wait until it returns. */
    private static void withPaymentsLocked(Runnable held) throws Exception {
        try (Connection gate = TestDatabase.connect(); Statement statement = gate.createStatement()) {
            gate.setAutoCommit(false);
            statement.execute("LOCK TABLE payment IN ACCESS EXCLUSIVE MODE");
            try {
                held.run();
            } finally {
                gate.rollback();
            }
        }
    }

    static void assertShed(ValidatableResponse response, EndpointClass endpointClass) {
        response.statusCode(503).header("Retry-After", "2").contentType("application/problem+json")
                .body("type", Matchers.equalTo("https://kessai.io/problems/overloaded"))
                .body("code", Matchers.equalTo("overloaded")).body("status", Matchers.equalTo(503))
                .body("class", Matchers.equalTo(endpointClass.label()));
    }

    @Test
    void readsAreShedOnceTheirClassIsFullWhileAPaymentIsStillTakenOn() throws Exception {
        Shop shop = Shop.open();
        String customer = customer();
        String paymentId = shop.pay(customer, UUID.randomUUID().toString(), 300).statusCode(201).extract()
                .path("paymentId");
        double readsShedBefore = shed(EndpointClass.READS);
        double paymentsShedBefore = shed(EndpointClass.PAYMENTS);
        List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
        AtomicReference<CompletableFuture<HttpResponse<String>>> payment = new AtomicReference<>();

        withPaymentsLocked(() -> {
            for (int i = 0; i < 2; i++) {
                reads.add(getLater(customer, "/v1/payments/" + paymentId));
            }
            Eventually.until("both reads taken on, waiting for the lock", WAIT,
                    () -> shedding.inFlight(EndpointClass.READS) == 2);

            // Any read now, of a payment or of anything else, is refused at once, with nothing started for it.
            assertShed(as(customer).get("/v1/payments/" + paymentId).then(), EndpointClass.READS);
            assertShed(as(shop.till()).get("/v1/store-code").then(), EndpointClass.READS);

            // A payment still has room: it is taken on (and waits for the lock like the reads).
            payment.set(shop.payLater(customer(), 400));
            Eventually.until("the payment taken on", WAIT, () -> shedding.inFlight(EndpointClass.PAYMENTS) == 1);
            assertFalse(payment.get().isDone(), "the payment is being served, not refused");
            assertTrue(reads.stream().noneMatch(CompletableFuture::isDone), "the held reads are still in flight");
        });

        for (CompletableFuture<HttpResponse<String>> read : reads) {
            assertEquals(200, read.join().statusCode());
        }
        HttpResponse<String> paid = payment.get().join();
        assertEquals(201, paid.statusCode(), paid.body());
        assertEquals("COMPLETED", new JsonObject(paid.body()).getString("status"));
        assertEquals(readsShedBefore + 2, shed(EndpointClass.READS));
        assertEquals(paymentsShedBefore, shed(EndpointClass.PAYMENTS));
        Eventually.until("every place given back", WAIT, () -> inFlightOfAll() == 0);
        String scraped = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(scraped.contains("kessai_payment_shed_requests_total{class=\"reads\"}"), "the counter is exported");
        assertTrue(scraped.contains("kessai_payment_requests_in_flight{class=\"reads\"} 0.0"),
                "the gauge is back to 0");
        // The HTTP metrics label a shed request by its class, not by its path: no series per payment id.
        List<String> shedSeries = scraped.lines().filter(line -> line.startsWith("http_server_requests_seconds_count{")
                && line.contains("status=\"503\"") && line.contains("method=\"GET\"")).toList();
        assertTrue(shedSeries.stream().anyMatch(line -> line.contains("uri=\"/SHED_READS\"")), shedSeries::toString);
        assertTrue(scraped.lines().noneMatch(line -> line.contains("uri=\"/v1/payments/" + paymentId + "\"")),
                "a payment's id in a uri label");
    }

    @Test
    void paymentsKeepTheirReserveWhileEveryOtherClassIsTurnedAway() throws Exception {
        Shop shop = Shop.open();
        double codesShedBefore = shed(EndpointClass.CODES);
        double paymentsShedBefore = shed(EndpointClass.PAYMENTS);
        List<CompletableFuture<HttpResponse<String>>> payments = new ArrayList<>();

        withPaymentsLocked(() -> {
            payments.add(shop.payLater(customer(), 100));
            payments.add(shop.payLater(customer(), 101));
            Eventually.until("two payments taken on", WAIT, () -> shedding.inFlight(EndpointClass.PAYMENTS) == 2);

            // Two in flight leave only the two places reserved for payments: no read, no code gets one, although
            // no read and no code is in flight.
            assertEquals(0, shedding.inFlight(EndpointClass.READS));
            assertShed(as(shop.till()).get("/v1/store-code").then(), EndpointClass.READS);
            assertShed(as(shop.till()).body(Map.of("merchantPaymentId", "order-" + UUID.randomUUID(), "amount",
                    Map.of("amount", 500, "currency", "JPY"))).post("/v1/codes").then(), EndpointClass.CODES);

            // Payments take the reserve, and only when all four places are taken is a payment refused.
            payments.add(shop.payLater(customer(), 102));
            payments.add(shop.payLater(customer(), 103));
            Eventually.until("four payments taken on", WAIT, () -> shedding.inFlight(EndpointClass.PAYMENTS) == 4);
            assertShed(shop.pay(customer(), UUID.randomUUID().toString(), 104), EndpointClass.PAYMENTS);

            // An app asking now learns that paying is busy; the status itself is never shed.
            RestAssured.get("/v1/status").then().statusCode(200)
                    .body("capabilities.paying.status", Matchers.equalTo("degraded"))
                    .body("capabilities.paying.message.en", Matchers.containsString("busy"));
        });

        for (CompletableFuture<HttpResponse<String>> payment : payments) {
            HttpResponse<String> answer = payment.join();
            assertEquals(201, answer.statusCode(), answer.body());
        }
        assertEquals(codesShedBefore + 1, shed(EndpointClass.CODES));
        assertEquals(paymentsShedBefore + 1, shed(EndpointClass.PAYMENTS));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM payment WHERE store_id = '" + shop.storeId()
                + "' AND amount = 104"), "the refused payment left nothing behind");
    }

    @Test
    void aClientThatGoesAwayGivesItsPlaceBackOnce() throws Exception {
        Shop shop = Shop.open();
        String customer = customer();
        String paymentId = shop.pay(customer, UUID.randomUUID().toString(), 300).statusCode(201).extract()
                .path("paymentId");
        withPaymentsLocked(() -> {
            try (Socket socket = new Socket(Shop.uri("/").getHost(), RestAssured.port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET /v1/payments/" + paymentId + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                        + customer + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Eventually.until("the read taken on", WAIT, () -> shedding.inFlight(EndpointClass.READS) == 1);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            // The socket is closed while the read still waits for the lock: its place comes back at once.
            Eventually.until("the place given back", WAIT, () -> shedding.inFlight(EndpointClass.READS) == 0);
        });
        // The abandoned read now finishes in the service; its place is not given back a second time.
        Eventually.until("nothing waits for a lock", WAIT, () -> TestDatabase.count(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 0);
        as(customer).get("/v1/payments/" + paymentId).then().statusCode(200);
        // A place is given back by the end handler, which may run just after the client has its answer: wait for it,
        // then a second give-back of the abandoned read's place would show as -1.
        Eventually.until("the last read's place given back", WAIT, () -> inFlightOfAll() <= 0);
        assertEquals(0, inFlightOfAll());
    }
}
