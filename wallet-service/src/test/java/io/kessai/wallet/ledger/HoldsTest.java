package io.kessai.wallet.ledger;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.wallet.WalletApi.PAYMENT_SERVICE;
import static io.kessai.wallet.WalletApi.asOps;
import static io.kessai.wallet.WalletApi.asService;
import static io.kessai.wallet.WalletApi.available;
import static io.kessai.wallet.WalletApi.balance;
import static io.kessai.wallet.WalletApi.execute;
import static io.kessai.wallet.WalletApi.move;
import static io.kessai.wallet.WalletApi.openCustomer;
import static io.kessai.wallet.WalletApi.openMerchant;
import static io.kessai.wallet.WalletApi.queryText;
import static io.kessai.wallet.WalletApi.systemAccount;
import static io.kessai.wallet.WalletApi.topUp;
import static io.kessai.wallet.WalletApi.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.kessai.wallet.WalletApi;
import io.kessai.wallet.hold.HoldExpiry;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class HoldsTest {

    @Inject
    HoldExpiry expiry;

    @Inject
    Scheduler scheduler;

    String alice;
    String shop;
    String fees;

    @BeforeEach
    void accounts() {
        alice = openCustomer(unique("alice"));
        shop = openMerchant(unique("shop"));
        fees = systemAccount("fees");
        topUp(alice, 10_000);
    }

    static ValidatableResponse hold(String key, Map<String, Object> body) {
        return asService().header("Idempotency-Key", key).body(body).post("/v1/internal/holds").then();
    }

    String hold(long amount) {
        return hold(UUID.randomUUID().toString(), Map.of("accountId", alice, "amount", amount)).statusCode(201)
                .extract().path("id");
    }

    static ValidatableResponse capture(String holdId, String key, Object body) {
        return asService().header("Idempotency-Key", key).body(body)
                .post("/v1/internal/holds/" + holdId + "/capture").then();
    }

    static Map<String, Object> captureTo(String to, long amount) {
        return Map.of("legs", List.of(Map.of("to", to, "amount", amount)), "reference", "order-1");
    }

    @Test
    void aHoldReservesMoneyThatStaysInTheBalanceButCannotBeSpent() {
        hold(UUID.randomUUID().toString(), Map.of("accountId", alice, "amount", 4_000, "reference", "order-7"))
                .statusCode(201).body("status", equalTo("active")).body("amount", equalTo(4000))
                .body("expiresAt", notNullValue());
        assertEquals(10_000, balance(alice));
        assertEquals(6_000, available(alice));
        asService().get("/v1/internal/accounts/" + alice).then().body("held.amount", equalTo(4000));
        expectProblem(move("payment", alice, shop, 6_001), 422, "insufficient-funds");
        expectProblem(hold(UUID.randomUUID().toString(), Map.of("accountId", alice, "amount", 6_001)), 422,
                "insufficient-funds");
    }

    @Test
    void aPartialCaptureMovesThatMuchAndReleasesTheRest() {
        String id = hold(4_000);
        capture(id, UUID.randomUUID().toString(), Map.of("legs", List.of(Map.of("to", shop, "amount", 2_910),
                Map.of("to", fees, "amount", 90)))).statusCode(201)
                .body("kind", equalTo("payment")).body("holdId", equalTo(id)).body("legs.size()", equalTo(2));
        assertEquals(7_000, balance(alice));
        assertEquals(7_000, available(alice));
        assertEquals(2_910, balance(shop));
        asService().get("/v1/internal/holds/" + id).then().statusCode(200).body("status", equalTo("captured"))
                .body("captured", equalTo(3000));
        expectProblem(capture(id, UUID.randomUUID().toString(), captureTo(shop, 1)), 409, "hold-not-active");
    }

    @Test
    void aCaptureIsIdempotentAndCannotExceedTheHold() {
        String id = hold(1_000);
        expectProblem(capture(id, UUID.randomUUID().toString(), captureTo(shop, 1_001)), 422,
                "capture-exceeds-hold");
        String key = UUID.randomUUID().toString();
        String first = capture(id, key, captureTo(shop, 1_000)).statusCode(201).extract().asString();
        String again = capture(id, key, captureTo(shop, 1_000)).statusCode(201)
                .header("Idempotent-Replayed", "true").extract().asString();
        assertEquals(first, again);
        assertEquals(9_000, balance(alice));
        assertEquals(1_000, balance(shop));
    }

    @Test
    void aVoidReleasesEverythingAndIsIdempotent() {
        String id = hold(3_000);
        asService().post("/v1/internal/holds/" + id + "/void").then().statusCode(200)
                .body("status", equalTo("voided"));
        asService().post("/v1/internal/holds/" + id + "/void").then().statusCode(200)
                .body("status", equalTo("voided"));
        assertEquals(10_000, available(alice));
        expectProblem(capture(id, UUID.randomUUID().toString(), captureTo(shop, 1)), 409, "hold-not-active");
    }

    @Test
    void anExpiredHoldAnswersHoldExpiredBeforeTheExpiryJobHasReleasedIt() {
        // "Nothing changed" below holds only while no timer runs the expiry job between the backdate and the asserts;
        // if the shared start ever runs the scheduler again, say so here instead of failing now and then.
        assertFalse(scheduler.isRunning(), "the scheduler must be off in the shared test application "
                + "(%test.quarkus.scheduler.enabled=false); this test runs the expiry job itself");
        String id = hold(2_500);
        backdate(id);
        expectProblem(capture(id, UUID.randomUUID().toString(), captureTo(shop, 100)), 409, "hold-expired");
        expectProblem(asService().post("/v1/internal/holds/" + id + "/void").then(), 409, "hold-expired");
        assertEquals("active", queryText("SELECT status FROM hold WHERE id = '" + id + "'"), "nothing changed");
        assertEquals(7_500, available(alice), "still reserved until the expiry job runs");

        releaseAllExpired();
        assertEquals("expired", queryText("SELECT status FROM hold WHERE id = '" + id + "'"));
        assertEquals(10_000, available(alice));
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(shop));
    }

    @Test
    void anExpiredHoldAnswersHoldExpiredAfterTheExpiryJobHasReleasedIt() {
        String id = hold(2_500);
        backdate(id);
        releaseAllExpired();
        asService().get("/v1/internal/holds/" + id).then().statusCode(200).body("status", equalTo("expired"));
        assertEquals(10_000, available(alice));

        expectProblem(capture(id, UUID.randomUUID().toString(), captureTo(shop, 100)), 409, "hold-expired");
        expectProblem(asService().post("/v1/internal/holds/" + id + "/void").then(), 409, "hold-expired");
        assertEquals(10_000, available(alice));
        assertEquals(10_000, balance(alice));
        assertEquals(0, balance(shop));
        assertEquals(0, count("SELECT count(*) FROM transfer WHERE hold_id = '" + id + "'"), "no capture was booked");
    }

    /** Moves a hold's expiry into the past, as if its time had run out. */
    private static void backdate(String holdId) {
        execute("UPDATE hold SET expires_at = now() - interval '1 second' WHERE id = '" + holdId + "'");
    }

    /** Runs the expiry job now (the scheduler is off in tests), batch after batch until nothing is due. */
    private void releaseAllExpired() {
        while (expiry.releaseExpired().await().atMost(Duration.ofSeconds(30)) > 0) {
            // other tests' expired holds may fill a batch before this test's
        }
    }

    @Test
    void aRepeatedHoldRequestAnswersTheSameHold() {
        String key = UUID.randomUUID().toString();
        String first = hold(key, Map.of("accountId", alice, "amount", 700)).statusCode(201).extract().path("id");
        hold(key, Map.of("accountId", alice, "amount", 700)).statusCode(201).header("Idempotent-Replayed", "true")
                .body("id", equalTo(first));
        expectProblem(hold(key, Map.of("accountId", alice, "amount", 701)), 422, "idempotency-key-reused");
        assertEquals(9_300, available(alice));
    }

    @Test
    void aReplayAnswersTheFirstResultByteForByteEvenAfterTheHoldWasCaptured() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("accountId", alice, "amount", 1_200, "reference", "order-9");
        String first = hold(key, body).statusCode(201).extract().asString();
        String id = JsonPath.from(first).getString("id");
        capture(id, UUID.randomUUID().toString(), captureTo(shop, 1_000)).statusCode(201);

        String replayed = hold(key, body).statusCode(201).header("Idempotent-Replayed", "true").extract().asString();
        assertEquals(first, replayed, "a replay repeats the first answer, not the hold's state now");
        asService().get("/v1/internal/holds/" + id).then().statusCode(200).body("status", equalTo("captured"))
                .body("captured", equalTo(1000));
        assertEquals(9_000, balance(alice), "the replays moved nothing");
        assertEquals(1_000, balance(shop));
    }

    @Test
    void aHoldIsFoundByItsIdempotencyKeyAsItIsNow() {
        String key = UUID.randomUUID().toString();
        String id = hold(key, Map.of("accountId", alice, "amount", 500)).statusCode(201).extract().path("id");
        asService().queryParam("idempotencyKey", key).get("/v1/internal/holds").then().statusCode(200)
                .body("id", equalTo(id)).body("status", equalTo("active")).body("amount", equalTo(500));
        asService().post("/v1/internal/holds/" + id + "/void").then().statusCode(200);
        asService().queryParam("idempotencyKey", key).get("/v1/internal/holds").then().statusCode(200)
                .body("id", equalTo(id)).body("status", equalTo("voided"));

        expectProblem(asService().queryParam("idempotencyKey", UUID.randomUUID().toString())
                .get("/v1/internal/holds").then(), 404, "hold-not-found");
        String other = WalletApi.peerToken();
        expectProblem(given().auth().oauth2(other).queryParam("idempotencyKey", key).get("/v1/internal/holds")
                .then(), 404, "hold-not-found");
        asOps().queryParam("idempotencyKey", key).queryParam("caller", PAYMENT_SERVICE).get("/v1/internal/holds")
                .then().statusCode(200).body("id", equalTo(id));
        expectProblem(asService().get("/v1/internal/holds").then(), 400, "validation-failed");
        expectProblem(given().queryParam("idempotencyKey", key).get("/v1/internal/holds").then(), 401,
                "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("usr-1", "customer"))
                .queryParam("idempotencyKey", key).get("/v1/internal/holds").then(), 403, "forbidden");
    }

    @Test
    void badHoldsAreRefused() {
        expectProblem(hold(UUID.randomUUID().toString(), Map.of("accountId", shop, "amount", 1)), 422,
                "hold-not-supported");
        expectProblem(hold(UUID.randomUUID().toString(), Map.of("accountId", UUID.randomUUID(), "amount", 1)), 422,
                "unknown-account");
        expectProblem(hold(UUID.randomUUID().toString(), Map.of("accountId", alice, "amount", 0)), 400,
                "invalid-amount");
        expectProblem(hold(UUID.randomUUID().toString(),
                Map.of("accountId", alice, "amount", 1, "expiresInSeconds", 8 * 24 * 3600)), 400,
                "validation-failed");
        asOps().body(Map.of()).post("/v1/internal/accounts/" + alice + "/freeze").then().statusCode(200);
        expectProblem(hold(UUID.randomUUID().toString(), Map.of("accountId", alice, "amount", 1)), 409,
                "account-frozen");
        assertEquals(10_000, available(alice));
    }

    @Test
    void aHoldOfAnotherServiceIsNotFound() {
        String id = hold(100);
        String other = WalletApi.peerToken();
        expectProblem(given().auth().oauth2(other).get("/v1/internal/holds/" + id).then(), 404, "hold-not-found");
        expectProblem(given().auth().oauth2(other).post("/v1/internal/holds/" + id + "/void").then(), 404,
                "hold-not-found");
        expectProblem(
                given().auth().oauth2(other).contentType(ContentType.JSON)
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .body(captureTo(shop, 100)).post("/v1/internal/holds/" + id + "/capture").then(),
                404,
                "hold-not-found");
        asOps().get("/v1/internal/holds/" + id).then().statusCode(200).body("status", equalTo("active"));
        assertEquals(9_900, available(alice));
    }
}
