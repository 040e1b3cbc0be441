package io.kessai.payment.p2p;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Person-to-person transfers end to end within payment-service, against real PostgreSQL, auth-service's resolve
 * endpoint and wallet-service as WireMock stubs over real HTTP: a completed transfer with both receipts, every number
 * that cannot receive answered alike, to oneself, refusals, auth-service and wallet-service away, an unknown outcome
 * reconciled, retries and concurrent duplicates, the lookup limit, held transfers, and who may read what.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
@WithTestResource(FakeAuthResolver.class)
class P2pTransferTest {

    private static final String PATH = "/v1/p2p-transfers";
    private static final String SENDER_NAME = "080-****-4321";
    private static final AtomicLong NEXT_NUMBER = new AtomicLong(ThreadLocalRandom.current().nextLong(50_000_000));

    @Inject
    io.smallrye.faulttolerance.api.CircuitBreakerMaintenance breakers;

    @Inject
    TransferReconciler reconciler;

    @Inject
    HeldTransfers held;

    @Inject
    Pool pool;

    /** A customer: their id, token, phone number as typed, and their own wallet account. */
    /**
     * A transfer the real engine holds for a step-up: the parties' tokens name no device binding time, so their device
     * counts as new, and a new device needs a fresh second factor above kessai.payment.risk.new-device.step-up-amount
     * (10,000 yen) up to its deny amount (100,000).
     */
    static final long NEEDS_STEP_UP = 20_000;

    record Party(String id, String token, String phone, UUID account) {

        String masked() {
            return "090-****-" + phone.substring(phone.length() - 4);
        }
    }

    /** A customer with a wallet of their own, whose number auth-service resolves to them. */
    static Party party() {
        Party party = unresolvable();
        FakeAuthResolver.server().stubFor(post(urlPathEqualTo(FakeAuthResolver.PATH)).atPriority(5)
                .withRequestBody(matchingJsonPath("$.phone", equalTo(party.phone())))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(new JsonObject().put("userId", party.id()).put("recipientName", party.masked())
                                .put("senderName", SENDER_NAME).encode())));
        return party;
    }

    /** A customer with a wallet whose number auth-service does not resolve (unknown to it). */
    static Party unresolvable() {
        String id = "cust-" + UUID.randomUUID();
        UUID account = UUID.randomUUID();
        FakeWallet.server().stubFor(get(urlPathEqualTo("/v1/internal/accounts/customers/" + id)).atPriority(5)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(
                        "[{\"id\":\"" + account + "\",\"currency\":\"JPY\",\"status\":\"active\"}]")));
        return new Party(id, TestIssuer.tokens().token(id, "customer"), freshNumber(), account);
    }

    static String freshNumber() {
        long subscriber = 10_000_000 + NEXT_NUMBER.getAndIncrement() % 90_000_000;
        return "090-" + subscriber / 10_000 + "-" + String.format("%04d", subscriber % 10_000);
    }

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    static Map<String, Object> body(String phone, long amount, String message) {
        Map<String, Object> body = new HashMap<>(Map.of("phone", phone, "amount",
                Map.of("amount", amount, "currency", "JPY")));
        if (message != null) {
            body.put("message", message);
        }
        return body;
    }

    static ValidatableResponse send(Party sender, String key, String phone, long amount) {
        return as(sender.token()).header("Idempotency-Key", key).body(body(phone, amount, null)).post(PATH).then();
    }

    static List<LoggedRequest> postedUnder(String key) {
        return FakeWallet.server().findAll(postRequestedFor(urlPathEqualTo("/v1/internal/transfers"))
                .withHeader("Idempotency-Key", equalTo(key)));
    }

    static long rowsOf(Party sender) {
        return TestDatabase.count("SELECT count(*) FROM p2p_transfer WHERE sender_id = '" + sender.id() + "'");
    }

    static long dayTotal(Party sender) {
        return TestDatabase.count("SELECT coalesce(sum(total), 0) FROM customer_day_total WHERE customer_id = '"
                + sender.id() + "'");
    }

    /** A refusal's body without its {@code instance}, to compare two refusals word for word. */
    static Map<String, Object> refusal(ValidatableResponse response) {
        Map<String, Object> problem = new HashMap<>(expectProblem(response, 422, "recipient-unavailable").extract()
                .jsonPath().getMap(""));
        problem.remove("instance");
        return problem;
    }

    static StubMapping walletAnswers(String jsonPath, UUID account,
            com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        return FakeWallet.server().stubFor(post(urlPathEqualTo("/v1/internal/transfers")).atPriority(1)
                .withRequestBody(matchingJsonPath(jsonPath, equalTo(account.toString()))).willReturn(answer));
    }

    static JsonObject accepted(String eventId) {
        Eventually.until("event " + eventId + " delivered", Duration.ofSeconds(10), () -> FakeNotificationService
                .accepted().stream().anyMatch(body -> body.contains(eventId)));
        return FakeNotificationService.accepted().stream().map(JsonObject::new)
                .filter(event -> eventId.equals(event.getString("eventId"))).findFirst().orElseThrow();
    }

    /**
     * Neither receipt was ever enqueued: none is waiting in the outbox, and none was delivered (the relay records a
     * delivery before it deletes the row, so an event in flight is seen in one or the other).
     */
    static void assertNoReceipt(String transferId) {
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM kessai_outbox WHERE body::text LIKE '%p2p:"
                + transferId + "%'"), "no receipt waiting for a failed transfer");
        assertTrue(FakeNotificationService.accepted().stream().noneMatch(body -> body.contains("p2p:" + transferId)),
                "no receipt delivered for a failed transfer");
    }

    @Test
    void aTransferCompletesWithOneLedgerTransferAndAReceiptToEachParty() {
        Party sender = party();
        Party recipient = party();
        String id = as(sender.token()).header("Idempotency-Key", UUID.randomUUID().toString())
                .body(body(recipient.phone(), 1500, "ランチ代 👨‍👩‍👧")).post(PATH).then().statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED")).body("direction", Matchers.equalTo("SENT"))
                .body("amount.amount", Matchers.equalTo(1500)).body("message", Matchers.equalTo("ランチ代 👨‍👩‍👧"))
                .body("counterpartyName", Matchers.equalTo(recipient.masked()))
                .body("$", Matchers.not(Matchers.hasKey("recipientId"))).extract().path("transferId");

        List<LoggedRequest> posted = postedUnder(id);
        assertEquals(1, posted.size(), "one transfer, keyed by the transfer's id");
        JsonObject transfer = new JsonObject(posted.getFirst().getBodyAsString());
        assertEquals("p2p", transfer.getString("kind"));
        JsonObject leg = transfer.getJsonArray("legs").getJsonObject(0);
        assertEquals(sender.account().toString(), leg.getString("from"));
        assertEquals(recipient.account().toString(), leg.getString("to"));
        assertEquals(1500, leg.getLong("amount"));
        assertEquals("completed", TestDatabase.queryText("SELECT status FROM p2p_transfer WHERE id = '" + id + "'"));
        assertEquals(1500, dayTotal(sender), "the gate counted it");

        JsonObject received = accepted("p2p:" + id + ":received");
        assertEquals("p2p.received", received.getString("type"));
        assertEquals(recipient.id(), received.getJsonObject("recipient").getString("userId"));
        assertEquals(SENDER_NAME, received.getJsonObject("data").getString("senderName"));
        assertEquals(1500, received.getJsonObject("data").getJsonObject("amount").getLong("amount"));
        JsonObject sent = accepted("p2p:" + id + ":sent");
        assertEquals("p2p.sent", sent.getString("type"));
        assertEquals(sender.id(), sent.getJsonObject("recipient").getString("userId"));
        assertEquals(recipient.masked(), sent.getJsonObject("data").getString("recipientName"));

        // The recipient reads it as received, from the sender's masked number; nothing of the sender's state.
        as(recipient.token()).get(PATH + "/" + id).then().statusCode(200)
                .body("direction", Matchers.equalTo("RECEIVED")).body("status", Matchers.equalTo("COMPLETED"))
                .body("counterpartyName", Matchers.equalTo(SENDER_NAME))
                .body("message", Matchers.equalTo("ランチ代 👨‍👩‍👧"));
        // Anyone else: as if it did not exist.
        expectProblem(as(party().token()).get(PATH + "/" + id).then(), 404, "transfer-not-found");
        expectProblem(as(sender.token()).get(PATH + "/" + UUID.randomUUID()).then(), 404, "transfer-not-found");
    }

    @Test
    void everyNumberThatCannotReceiveGetsTheSameAnswerAndNothingMoves() {
        Party sender = party();
        // Unknown to auth-service (and frozen, owners', unconfirmed ones: auth-service answers those alike).
        Map<String, Object> unknown = refusal(send(sender, UUID.randomUUID().toString(), freshNumber(), 100));
        // Known to auth-service, but without a wallet yet.
        Party walletless = party();
        FakeWallet.server().stubFor(get(urlPathEqualTo("/v1/internal/accounts/customers/" + walletless.id()))
                .atPriority(1).willReturn(aResponse().withStatus(200).withHeader("Content-Type",
                        "application/json").withBody("[]")));
        Map<String, Object> noWallet = refusal(send(sender, UUID.randomUUID().toString(), walletless.phone(), 100));
        // Known, with a wallet the ledger refuses as frozen.
        Party frozen = party();
        StubMapping refusing = walletAnswers("$.legs[0].to", frozen.account(), FakeWallet.json(409, "{\"type\":"
                + "\"https://kessai.io/problems/account-frozen\",\"status\":409,\"detail\":\"Account " + frozen
                        .account()
                + " is frozen.\",\"errors\":[{\"field\":\"legs[0].to\",\"message\":\"frozen\"}]}"));
        Map<String, Object> frozenWallet;
        try {
            frozenWallet = refusal(send(sender, UUID.randomUUID().toString(), frozen.phone(), 100));
        } finally {
            FakeWallet.server().removeStub(refusing);
        }
        assertEquals(unknown, noWallet, "a number without a wallet is answered as an unknown one");
        assertEquals(unknown, frozenWallet, "a frozen recipient wallet is answered as an unknown number");
        assertEquals(0, dayTotal(sender), "nothing counted: the frozen one's amount was given back");
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM p2p_transfer WHERE sender_id = '" + sender.id()
                + "' AND status <> 'failed'"));
    }

    @Test
    void aTransferToYourOwnNumberIsRefused() {
        Party me = party();
        expectProblem(send(me, UUID.randomUUID().toString(), me.phone(), 500), 422, "p2p-to-self");
        assertEquals(0, rowsOf(me));
    }

    @Test
    void insufficientFundsFailTheTransferAndGiveItsAmountBack() {
        Party sender = party();
        Party recipient = party();
        StubMapping empty = walletAnswers("$.legs[0].from", sender.account(), FakeWallet.json(422, "{\"type\":"
                + "\"https://kessai.io/problems/insufficient-funds\",\"status\":422,\"detail\":\"The balance does "
                + "not cover this transfer.\"}"));
        String key = UUID.randomUUID().toString();
        try {
            expectProblem(send(sender, key, recipient.phone(), 900), 422, "insufficient-funds");
        } finally {
            FakeWallet.server().removeStub(empty);
        }
        assertEquals("failed:insufficient-funds", TestDatabase.queryText("SELECT status || ':' || failure_code "
                + "FROM p2p_transfer WHERE sender_id = '" + sender.id() + "'"));
        assertEquals(0, dayTotal(sender));
        // The retry under the same key is the same answer, not a second try.
        expectProblem(send(sender, key, recipient.phone(), 900), 422, "insufficient-funds");
        assertEquals(1, rowsOf(sender));
        assertNoReceipt(TestDatabase.queryText("SELECT id FROM p2p_transfer WHERE sender_id = '" + sender.id()
                + "'"));
    }

    @Test
    void authServiceAwayIsA503AndNothingIsRecorded() {
        Party sender = party();
        String down = freshNumber();
        String reset = freshNumber();
        StubMapping unavailable = FakeAuthResolver.server().stubFor(post(urlPathEqualTo(FakeAuthResolver.PATH))
                .atPriority(1).withRequestBody(matchingJsonPath("$.phone", equalTo(down)))
                .willReturn(aResponse().withStatus(503)));
        StubMapping broken = FakeAuthResolver.server().stubFor(post(urlPathEqualTo(FakeAuthResolver.PATH))
                .atPriority(1).withRequestBody(matchingJsonPath("$.phone", equalTo(reset)))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        try {
            expectProblem(send(sender, UUID.randomUUID().toString(), down, 100), 503, "service-unavailable")
                    .header("Retry-After", Matchers.notNullValue());
            expectProblem(send(sender, UUID.randomUUID().toString(), reset, 100), 503, "service-unavailable");
        } finally {
            FakeAuthResolver.server().removeStub(unavailable);
            FakeAuthResolver.server().removeStub(broken);
        }
        assertEquals(0, rowsOf(sender));
        assertEquals(0, dayTotal(sender));
    }

    @Test
    void lookupsFailingOftenOpenTheirBreakerAndTheStatusSaysTransfersAloneAreDown() {
        StubMapping unavailable = FakeAuthResolver.server().stubFor(post(urlPathEqualTo(FakeAuthResolver.PATH))
                .atPriority(1).willReturn(aResponse().withStatus(503)));
        try {
            // 20 failed lookups open the breaker (its request volume); a sender may look up 10 numbers an hour.
            for (int sender = 0; sender < 2; sender++) {
                Party party = party();
                for (int i = 0; i < 10; i++) {
                    expectProblem(send(party, UUID.randomUUID().toString(), freshNumber(), 100), 503,
                            "service-unavailable");
                }
            }
            assertEquals(io.smallrye.faulttolerance.api.CircuitBreakerState.OPEN,
                    breakers.currentState(RecipientCalls.BREAKER));
            Eventually.until("the status says transfers are down", Duration.ofSeconds(10), () -> "down".equals(
                    given().get("/v1/status").then().statusCode(200).extract().path("capabilities.transfers.status")));
            given().get("/v1/status").then().body("capabilities.paying.status", Matchers.equalTo("ok"))
                    .body("capabilities.transfers.message.en", Matchers.containsString("recipients"));
            // While it is open the answer is at once a 503, and auth-service is not asked.
            int asked = FakeAuthResolver.server().findAll(postRequestedFor(urlPathEqualTo(FakeAuthResolver.PATH)))
                    .size();
            expectProblem(send(party(), UUID.randomUUID().toString(), freshNumber(), 100), 503,
                    "service-unavailable").header("Retry-After", Matchers.notNullValue());
            assertEquals(asked, FakeAuthResolver.server().findAll(postRequestedFor(urlPathEqualTo(
                    FakeAuthResolver.PATH))).size());
        } finally {
            FakeAuthResolver.server().removeStub(unavailable);
            breakers.reset(RecipientCalls.BREAKER);
        }
        Eventually.until("the status says transfers work again", Duration.ofSeconds(10), () -> "ok".equals(
                given().get("/v1/status").then().statusCode(200).extract().path("capabilities.transfers.status")));
    }

    @Test
    void aLedgerCallThatCannotHaveLeftIsUndoneAndTheSameKeyStartsAfresh() {
        Party sender = party();
        Party recipient = party();
        // wallet-service refusing this service's token: nothing was posted.
        StubMapping refused = walletAnswers("$.legs[0].from", sender.account(), FakeWallet.json(401, "{}"));
        String key = UUID.randomUUID().toString();
        try {
            expectProblem(send(sender, key, recipient.phone(), 300), 503, "service-unavailable");
        } finally {
            FakeWallet.server().removeStub(refused);
        }
        assertEquals(0, rowsOf(sender), "undone");
        assertEquals(0, dayTotal(sender), "given back");
        send(sender, key, recipient.phone(), 300).statusCode(201).body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(300, dayTotal(sender));
    }

    @Test
    void anUnknownOutcomeStaysPendingUntilTheReconcilerRepostsTheSameTransfer() {
        Party sender = party();
        Party recipient = party();
        StubMapping slow = walletAnswers("$.legs[0].to", recipient.account(), FakeWallet.json(201,
                "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500));
        String id;
        try {
            id = send(sender, UUID.randomUUID().toString(), recipient.phone(), 2024).statusCode(202)
                    .header("Retry-After", "2").header("Location", Matchers.containsString(PATH + "/"))
                    .body("status", Matchers.equalTo("PENDING")).extract().path("transferId");
        } finally {
            FakeWallet.server().removeStub(slow);
        }
        as(sender.token()).get(PATH + "/" + id).then().statusCode(200).body("status", Matchers.equalTo("PENDING"));
        expectProblem(as(recipient.token()).get(PATH + "/" + id).then(), 404, "transfer-not-found");
        // Nothing is re-posted before its grace has passed; then one pass re-posts it under the same key.
        reconciler.settleDue().await().indefinitely();
        assertEquals(1, postedUnder(id).size());
        TestDatabase.execute("UPDATE p2p_transfer SET next_attempt_at = now() WHERE id = '" + id + "'");
        reconciler.settleDue().await().indefinitely();
        as(sender.token()).get(PATH + "/" + id).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
        List<LoggedRequest> posted = postedUnder(id);
        assertEquals(2, posted.size(), "the first (timed out) and the reconciler's re-post, under one key");
        assertEquals(posted.get(0).getBodyAsString(), posted.get(1).getBodyAsString(), "the same transfer again");
        accepted("p2p:" + id + ":received");
        accepted("p2p:" + id + ":sent");
    }

    @Test
    void aRefusedRepostBeforeTheRefusalHorizonLeavesTheTransferPendingAndOnlyAfterItFailsIt() {
        Party sender = party();
        Party recipient = party();
        StubMapping slow = walletAnswers("$.legs[0].to", recipient.account(), FakeWallet.json(201,
                "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500));
        String id;
        try {
            id = send(sender, UUID.randomUUID().toString(), recipient.phone(), 333).statusCode(202).extract()
                    .path("transferId");
        } finally {
            FakeWallet.server().removeStub(slow);
        }
        StubMapping refusing = walletAnswers("$.legs[0].from", sender.account(), FakeWallet.json(422, "{\"type\":"
                + "\"https://kessai.io/problems/insufficient-funds\",\"status\":422,\"detail\":\"No money.\"}"));
        try {
            // The first copy may still post in wallet-service: a refusal now proves nothing.
            TestDatabase.execute("UPDATE p2p_transfer SET next_attempt_at = now() WHERE id = '" + id + "'");
            reconciler.settleDue().await().indefinitely();
            assertEquals("pending", TestDatabase.queryText("SELECT status FROM p2p_transfer WHERE id = '" + id
                    + "'"));
            assertEquals(1, TestDatabase.count("SELECT count(*) FROM p2p_transfer WHERE id = '" + id + "' AND "
                    + "next_attempt_at = created_at + interval '30 seconds'"), "looked at again at the horizon");
            // Past the horizon no earlier copy can post: the refusal is final.
            TestDatabase.execute("UPDATE p2p_transfer SET created_at = created_at - interval '1 minute', "
                    + "next_attempt_at = now() WHERE id = '" + id + "'");
            reconciler.settleDue().await().indefinitely();
        } finally {
            FakeWallet.server().removeStub(refusing);
        }
        as(sender.token()).get(PATH + "/" + id).then().statusCode(200).body("status", Matchers.equalTo("FAILED"))
                .body("failure.code", Matchers.equalTo("insufficient-funds"));
        expectProblem(as(recipient.token()).get(PATH + "/" + id).then(), 404, "transfer-not-found");
        assertEquals(3, postedUnder(id).size(), "the first post and two re-posts, all under one key");
        assertNoReceipt(id);
    }

    @Test
    void aRetryReplaysAndAnotherBodyUnderTheKeyIsRefused() {
        Party sender = party();
        Party recipient = party();
        String key = UUID.randomUUID().toString();
        String id = send(sender, key, recipient.phone(), 700).statusCode(201).extract().path("transferId");
        send(sender, key, recipient.phone(), 700).statusCode(200).header("Idempotent-Replayed", "true")
                .body("transferId", Matchers.equalTo(id)).body("status", Matchers.equalTo("COMPLETED"));
        expectProblem(send(sender, key, recipient.phone(), 701), 422, "idempotency-key-reused");
        assertEquals(1, postedUnder(id).size());
        assertEquals(1, rowsOf(sender));
        assertEquals(700, dayTotal(sender));
    }

    @Test
    void concurrentDuplicatesMakeOneTransfer() throws Exception {
        Party sender = party();
        Party recipient = party();
        String key = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> as(sender.token()).header("Idempotency-Key", key)
                        .body(body(recipient.phone(), 640, null)).post(PATH), pool));
            }
            Set<String> ids = answers.stream().map(CompletableFuture::join).map(response -> {
                assertTrue(Set.of(200, 201, 202).contains(response.statusCode()), response.asString());
                return response.<String>path("transferId");
            }).collect(Collectors.toSet());
            assertEquals(1, ids.size(), "one transfer for one key");
            assertEquals(1, postedUnder(ids.iterator().next()).size(), "posted once");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, rowsOf(sender));
        assertEquals(640, dayTotal(sender));
    }

    @Test
    void aSenderMayLookUpOnlySoManyDistinctNumbersAnHour() {
        Party sender = party();
        List<String> tried = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String number = freshNumber();
            tried.add(number);
            expectProblem(send(sender, UUID.randomUUID().toString(), number, 100), 422, "recipient-unavailable");
        }
        int resolvesBefore = FakeAuthResolver.server().findAll(postRequestedFor(urlPathEqualTo(
                FakeAuthResolver.PATH))).size();
        expectProblem(send(sender, UUID.randomUUID().toString(), freshNumber(), 100), 429, "too-many-recipients")
                .header("Retry-After", Matchers.notNullValue());
        // A known customer's number is no exception: the limit does not depend on what the number is.
        expectProblem(send(sender, UUID.randomUUID().toString(), party().phone(), 100), 429, "too-many-recipients");
        assertEquals(resolvesBefore, FakeAuthResolver.server().findAll(postRequestedFor(urlPathEqualTo(
                FakeAuthResolver.PATH))).size(), "a refused lookup never reaches auth-service");
        // A number already looked up counts once, however it is typed.
        String again = tried.getFirst().replace("-", "");
        expectProblem(send(sender, UUID.randomUUID().toString(), again, 100), 422, "recipient-unavailable");
        expectProblem(send(sender, UUID.randomUUID().toString(), "+81 " + again.substring(1), 100), 422,
                "recipient-unavailable");
        // Another sender has a limit of its own.
        expectProblem(send(party(), UUID.randomUUID().toString(), freshNumber(), 100), 422, "recipient-unavailable");
        assertEquals(10, TestDatabase.count("SELECT count(*) FROM p2p_lookup WHERE sender_id = '" + sender.id()
                + "'"));
        assertEquals(0, rowsOf(sender));
    }

    @Test
    void aHeldTransferGoesOnWhenTheSameRequestComesWithAStepUp() {
        Party sender = party();
        Party recipient = party();
        String key = UUID.randomUUID().toString();
        String location = expectProblem(send(sender, key, recipient.phone(), NEEDS_STEP_UP), 403,
                "step-up-required").header("Location", Matchers.startsWith(PATH + "/")).extract()
                .header("Location");
        String id = location.substring(location.lastIndexOf('/') + 1);
        as(sender.token()).get(location).then().statusCode(200).body("status", Matchers.equalTo("HELD"));
        assertEquals("step_up:new-device", TestDatabase.queryText("SELECT d.outcome || ':' || (d.reasons->0->>'rule') "
                + "FROM risk_decision d JOIN p2p_transfer t ON t.risk_decision_id = d.id WHERE t.id = '" + id + "'"),
                "held by the engine's new-device rule, with its reason stored");
        assertEquals(0, postedUnder(id).size(), "nothing posted while held");
        expectProblem(as(recipient.token()).get(location).then(), 404, "transfer-not-found");
        // The same request without a step-up is held again.
        expectProblem(send(sender, key, recipient.phone(), NEEDS_STEP_UP), 403, "step-up-required");

        String stepUp = TestIssuer.tokens().userToken(sender.id(), "step-up", Instant.now(), "customer");
        as(stepUp).header("Idempotency-Key", key).body(body(recipient.phone(), NEEDS_STEP_UP, null))
                .post(PATH).then().statusCode(201).body("transferId", Matchers.equalTo(id))
                .body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(1, postedUnder(id).size());
        assertEquals(1, rowsOf(sender));
        accepted("p2p:" + id + ":received");
    }

    @Test
    void aHeldTransferOpsApproveIsPostedByTheReconciler() {
        Party sender = party();
        Party recipient = party();
        String location = expectProblem(send(sender, UUID.randomUUID().toString(), recipient.phone(),
                NEEDS_STEP_UP), 403, "step-up-required").extract().header("Location");
        UUID id = UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
        assertEquals(Set.of(io.kessai.payment.risk.MoneyMovement.Kind.P2P), held.kinds());
        pool.withTransaction(tx -> held.proceed(tx, id)).await().indefinitely();
        assertEquals("pending", TestDatabase.queryText("SELECT status FROM p2p_transfer WHERE id = '" + id + "'"));
        reconciler.settleDue().await().indefinitely();
        as(sender.token()).get(location).then().statusCode(200).body("status", Matchers.equalTo("COMPLETED"));
        as(recipient.token()).get(location).then().statusCode(200).body("direction", Matchers.equalTo("RECEIVED"));
        assertEquals(1, postedUnder(id.toString()).size());
        // Approving again changes nothing: it is no longer held.
        pool.withTransaction(tx -> held.proceed(tx, id)).await().indefinitely();
        assertEquals("completed", TestDatabase.queryText("SELECT status FROM p2p_transfer WHERE id = '" + id + "'"));
    }

    @Test
    void aHeldTransferOpsDenyFailsAndItsRetryIsAnsweredSo() {
        Party sender = party();
        Party recipient = party();
        String key = UUID.randomUUID().toString();
        String location = expectProblem(send(sender, key, recipient.phone(), NEEDS_STEP_UP), 403,
                "step-up-required").extract().header("Location");
        UUID id = UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
        pool.withTransaction(tx -> held.refuse(tx, id, "risk-denied", "Ops denied this transfer.")).await()
                .indefinitely();
        as(sender.token()).get(location).then().statusCode(200).body("status", Matchers.equalTo("FAILED"))
                .body("failure.code", Matchers.equalTo("risk-denied"));
        // Even with a step-up now, the denied transfer stays denied.
        String stepUp = TestIssuer.tokens().userToken(sender.id(), "step-up", Instant.now(), "customer");
        expectProblem(as(stepUp).header("Idempotency-Key", key).body(body(recipient.phone(),
                NEEDS_STEP_UP, null)).post(PATH).then(), 403, "risk-denied");
        assertEquals(0, postedUnder(id.toString()).size());
        // The reconciler never touches it.
        reconciler.settleDue().await().indefinitely();
        assertEquals(0, postedUnder(id.toString()).size());
    }

    @Test
    void myTransfersListSentAndReceivedNewestFirstInPages() {
        Party me = party();
        Party friend = party();
        String sent = send(me, UUID.randomUUID().toString(), friend.phone(), 100).statusCode(201).extract()
                .path("transferId");
        String received = send(friend, UUID.randomUUID().toString(), me.phone(), 200).statusCode(201).extract()
                .path("transferId");
        var first = as(me.token()).queryParam("limit", 1).get(PATH).then().statusCode(200)
                .body("items", Matchers.hasSize(1)).body("items[0].transferId", Matchers.equalTo(received))
                .body("items[0].direction", Matchers.equalTo("RECEIVED")).extract().jsonPath();
        String cursor = first.getString("nextCursor");
        assertFalse(cursor == null || cursor.isBlank());
        as(me.token()).queryParam("limit", 1).queryParam("cursor", cursor).get(PATH).then().statusCode(200)
                .body("items[0].transferId", Matchers.equalTo(sent))
                .body("items[0].direction", Matchers.equalTo("SENT"))
                .body("nextCursor", Matchers.nullValue());
        // A stranger's list holds neither.
        as(party().token()).get(PATH).then().statusCode(200).body("items", Matchers.hasSize(0));
        expectProblem(as(me.token()).queryParam("limit", 0).get(PATH).then(), 400, "validation-failed");
        expectProblem(as(me.token()).queryParam("cursor", "not-ours").get(PATH).then(), 400, "invalid-cursor");
    }

    @Test
    void onlyACustomerWithAGoodTokenMaySendOrRead() {
        Party sender = party();
        Party recipient = party();
        Map<String, Object> body = body(recipient.phone(), 100, null);
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k1").body(body).post(PATH).then()
                .statusCode(401);
        given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger(sender.id(), "customer"))
                .contentType(ContentType.JSON).header("Idempotency-Key", "k2").body(body).post(PATH).then()
                .statusCode(401);
        given().auth().oauth2(TestIssuer.tokens().expiredToken(sender.id(), "customer")).get(PATH).then()
                .statusCode(401);
        String merchant = TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant");
        as(merchant).header("Idempotency-Key", "k3").body(body).post(PATH).then().statusCode(403);
        as(merchant).get(PATH).then().statusCode(403);
        assertEquals(0, rowsOf(sender));
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() {
        Party sender = party();
        Party recipient = party();
        String key = UUID.randomUUID().toString();
        expectProblem(as(sender.token()).body(body(recipient.phone(), 100, null)).post(PATH).then(), 400,
                "missing-idempotency-key");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body("{\"phone\":").post(PATH).then(), 400,
                "malformed-body");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(body(recipient.phone(), 0, null))
                .post(PATH).then(), 400, "validation-failed");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(Map.of("phone", recipient.phone()))
                .post(PATH).then(), 400, "validation-failed");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(Map.of("phone", recipient.phone(),
                "amount", Map.of("amount", 100, "currency", "USD"))).post(PATH).then(), 400, "validation-failed");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(body("0".repeat(33), 100, null))
                .post(PATH).then(), 400, "validation-failed");
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(body(recipient.phone(), 100,
                "x".repeat(101))).post(PATH).then(), 400, "validation-failed");
        for (String control : List.of("line\nbreak", "bell\u0007", "bidi\u202Eevil", "nul\u0000")) {
            expectProblem(as(sender.token()).header("Idempotency-Key", key).body(body(recipient.phone(), 100,
                    control)).post(PATH).then(), 400, "validation-failed")
                    .body("errors[0].field", Matchers.containsString("message"));
        }
        expectProblem(as(sender.token()).header("Idempotency-Key", key).body(body(recipient.phone(), 100, null))
                .body("x".repeat(2_000_000)).post(PATH).then(), 413, "payload-too-large");
        assertEquals(0, rowsOf(sender));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM p2p_lookup WHERE sender_id = '" + sender.id()
                + "'"), "bad input looks nothing up");
    }
}
