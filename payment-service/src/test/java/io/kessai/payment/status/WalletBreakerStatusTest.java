package io.kessai.payment.status;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.kessai.payment.shed.Shop.customer;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kessai.payment.ledger.WalletCalls;
import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.shed.Shop;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * The wallet breaker opens, payments are refused at once without leaving anything behind, {@code GET /v1/status} says
 * so, and both recover once wallet-service does and the breaker closes. The breaker is one per Quarkus start, so this
 * class has a start of its own, with a breaker that opens after 4 calls and stays open for a minute: the status is
 * read while it is open however slowly the machine runs (with a 2 s delay, a slow machine read it half-open, degraded,
 * and waited for "down" in vain). The test then closes it, as the delay would, and every test ends with it closed.
 */
@QuarkusTest
@TestProfile(WalletBreakerStatusTest.QuickBreaker.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class WalletBreakerStatusTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BREAKER = "io.kessai.payment.ledger.WalletCalls/call/CircuitBreaker/";

    public static class QuickBreaker implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(BREAKER + "requestVolumeThreshold", "4", BREAKER + "delay", "60000",
                    BREAKER + "delayUnit", "MILLIS", BREAKER + "successThreshold", "1");
        }
    }

    @Inject
    CircuitBreakerMaintenance breakers;

    @AfterEach
    void breakerClosed() {
        breakers.reset(WalletCalls.BREAKER);
    }

    private static JsonPath status() {
        return RestAssured.get("/v1/status").then().statusCode(200).extract().jsonPath();
    }

    private static String level(String capability) {
        return status().getString("capabilities." + capability + ".status");
    }

    private static int transfersSent() {
        return FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))).size();
    }

    @Test
    void theStatusNeedsNoTokenAndIsCachedBriefly() {
        Response answer = RestAssured.given().header("Authorization", "Bearer not-a-token").get("/v1/status");
        answer.then().statusCode(200).contentType("application/json")
                .header("Cache-Control", Matchers.containsString("max-age=1"))
                .body("status", Matchers.equalTo("ok"))
                .body("capabilities.paying.status", Matchers.equalTo("ok"))
                .body("capabilities.refunds.status", Matchers.equalTo("ok"))
                .body("capabilities.receipts.status", Matchers.equalTo("ok"))
                .body("capabilities.paying.message.ja", Matchers.not(Matchers.emptyOrNullString()))
                .body("capabilities.paying.message.en", Matchers.equalTo("Payments are working normally."))
                .body("checkedAt", Matchers.notNullValue());
    }

    @Test
    void aFailingWalletOpensTheBreakerPaymentsAreRefusedAtOnceAndTheStatusSaysSoUntilItRecovers() {
        Shop shop = Shop.open();
        String customer = customer();
        shop.pay(customer, UUID.randomUUID().toString(), 100).statusCode(201); // the account ids are learned here

        FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .willReturn(aResponse().withStatus(500)));
        String refusedKey = null;
        java.util.List<String> pending = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10 && refusedKey == null; i++) {
                String key = UUID.randomUUID().toString();
                int sentBefore = transfersSent();
                io.restassured.response.ValidatableResponse answer = shop.pay(customer, key, 200 + i);
                int status = answer.extract().statusCode();
                if (status == 503) {
                    answer.header("Retry-After", Matchers.notNullValue())
                            .contentType("application/problem+json")
                            .body("type", Matchers.equalTo("https://kessai.io/problems/service-unavailable"));
                    assertEquals(sentBefore, transfersSent(), "nothing was sent to wallet-service");
                    refusedKey = key;
                } else {
                    // A 5xx may have posted: the payment stays pending for the reconciler, never failed by guess.
                    assertEquals(202, status, answer.extract().asString());
                    pending.add(key);
                }
            }
            assertTrue(refusedKey != null, "the breaker opened");
            assertTrue(!pending.isEmpty(), "the breaker opened on failures, after at least one");
            assertEquals(0, TestDatabase.count("SELECT count(*) FROM payment WHERE idempotency_key = '" + refusedKey
                    + "'"), "the refused payment was undone");
            assertEquals(pending.size(), TestDatabase.count("SELECT count(*) FROM payment WHERE status = 'pending' "
                    + "AND idempotency_key IN ('" + String.join("', '", pending) + "')"),
                    "those that may have posted wait");

            Eventually.until("the status says paying is down", WAIT, () -> "down".equals(level("paying")));
            JsonPath down = status();
            assertEquals("down", down.getString("status"));
            assertEquals("down", down.getString("capabilities.refunds.status"));
            assertEquals("ok", down.getString("capabilities.receipts.status"), "receipts do not need the ledger");
            assertTrue(down.getString("capabilities.paying.message.ja").contains("お支払い"));
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }

        // Still open: refused at once, nothing sent, however long the test took.
        int sentBefore = transfersSent();
        expectProblem(shop.pay(customer, UUID.randomUUID().toString(), 299), 503, "service-unavailable");
        assertEquals(sentBefore, transfersSent(), "an open breaker sends nothing");

        // wallet-service is back and the breaker closes (its delay passing, here at once): payments go through.
        breakers.reset(WalletCalls.BREAKER);
        shop.pay(customer, UUID.randomUUID().toString(), 300).statusCode(201);
        Eventually.until("the status says paying is ok", WAIT, () -> "ok".equals(level("paying")));
        assertEquals("ok", status().getString("capabilities.refunds.status"));
    }

    @Test
    void receiptsThatWaitTooLongAreDelayedAndThenDown() {
        String eventId = "status-test:" + UUID.randomUUID();
        // A receipt the relay cannot hand over yet (its next try is far off), queued some time ago.
        TestDatabase.execute("INSERT INTO kessai_outbox (event_id, body, next_attempt_at, created_at) VALUES ('"
                + eventId + "', '{}', now() + interval '1 hour', now() - interval '2 minutes')");
        try {
            Eventually.until("receipts are degraded", WAIT, () -> "degraded".equals(level("receipts")));
            assertEquals("ok", status().getString("capabilities.paying.status"), "paying does not need receipts");
            TestDatabase
                    .execute("UPDATE kessai_outbox SET created_at = now() - interval '20 minutes' WHERE event_id = '"
                            + eventId + "'");
            Eventually.until("receipts are down", WAIT, () -> "down".equals(level("receipts")));
        } finally {
            TestDatabase.execute("DELETE FROM kessai_outbox WHERE event_id = '" + eventId + "'");
        }
        Eventually.until("receipts are ok again", WAIT, () -> "ok".equals(level("receipts")));
    }
}
