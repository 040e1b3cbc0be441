package io.kessai.payment.freeze;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.kessai.common.security.Scopes;
import io.kessai.payment.cpm.CpmPaymentTest;
import io.kessai.payment.cpm.CpmPaymentTest.Device;
import io.kessai.payment.cpm.CpmPaymentTest.Shop;
import io.kessai.payment.funding.TopupTest;
import io.kessai.payment.funding.TopupTest.Customer;
import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * What auth-service tells payment-service through its outbox when ops freeze a user or a device or a user unbinds a
 * device, and ops freezing a card here: the keys revoked at once, no money moving for what is frozen, each call
 * idempotent, and only auth-service's scope (only ops, for cards) may make them. Real PostgreSQL; wallet-service and
 * the card gateway as in the payment tests.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class FrozenSubjectsTest {

    private static final String REASON = "Ticket SEC-77: account taken over";

    private static String authService() {
        return TestIssuer.tokens().serviceToken(Scopes.AUTH_SERVICE, Scopes.grantedByDefault(Scopes.AUTH_SERVICE));
    }

    private static String ops() {
        return TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops");
    }

    private static ValidatableResponse tell(String token, String path, String reason) {
        return CpmPaymentTest.as(token).body(Map.of("reason", reason)).post("/v1/internal/customers/" + path).then();
    }

    /** Status, reason and who revoked, of a payment key. */
    private static String key(UUID keyId) {
        return TestDatabase.queryText("SELECT status || ' ' || coalesce(revoked_reason, '-') || ' ' || "
                + "coalesce(revoked_by, '-') FROM payment_key WHERE id = '" + keyId + "'");
    }

    private static long frozenRows(String subject) {
        return TestDatabase.count("SELECT count(*) FROM frozen_subject WHERE subject LIKE '" + subject + "%'");
    }

    private static long payments(String customer) {
        return TestDatabase.count("SELECT count(*) FROM payment WHERE customer_id = '" + customer + "'");
    }

    /** A step-up token of the user's device, bound long ago. */
    private static String stepUp(String user, String device) {
        return TestIssuer.tokens().customerToken(user, device, Instant.now().minus(Duration.ofDays(60)), true);
    }

    private static String newDevice() {
        return "dev-" + UUID.randomUUID();
    }

    @Test
    void aUserFrozenAtAuthServiceLosesEveryPaymentKeyAtOnceAndMovesNoMoneyUntilUnfrozen() {
        String user = UUID.randomUUID().toString();
        String phoneId = newDevice();
        Device phone = CpmPaymentTest.device(user, phoneId);
        Device tablet = CpmPaymentTest.device(user, newDevice());
        Customer customer = TopupTest.customer(user, phoneId);
        String card = TopupTest.register(customer, TopupTest.APPROVES);
        Shop shop = CpmPaymentTest.shop();
        CpmPaymentTest.charge(shop.tillA(), phone.code(), 500).statusCode(201);

        String frozenAt = tell(authService(), user + "/freeze", REASON).statusCode(200)
                .body("kind", equalTo("user")).body("subject", equalTo(user)).body("frozen", equalTo(true))
                .body("reason", equalTo(REASON)).body("frozenBy", equalTo(Scopes.AUTH_SERVICE))
                .body("keysRevoked", equalTo(2)).extract().path("frozenAt");
        assertEquals("revoked user-frozen auth-service", key(phone.keyId()));
        assertEquals("revoked user-frozen auth-service", key(tablet.keyId()));

        // Nothing moves: a code of either device, a top-up, a new key.
        expectProblem(CpmPaymentTest.charge(shop.tillB(), tablet.code(), 500), 403, "payment-key-revoked");
        assertEquals(1, payments(user));
        String topupKey = UUID.randomUUID().toString();
        expectProblem(TopupTest.topUp(customer.token(), topupKey, card, 3000), 403, "account-frozen");
        assertTrue(TopupTest.postedUnder(topupKey).isEmpty(), "no top-up posted");
        String stepUp = stepUp(user, phoneId);
        expectProblem(CpmPaymentTest.as(stepUp).post("/v1/payment-keys").then(), 403, "account-frozen");

        // The relay's retry of the same call: the first freeze stays, nothing more is revoked.
        tell(authService(), user + "/freeze", "a retry").statusCode(200).body("frozen", equalTo(true))
                .body("reason", equalTo(REASON)).body("frozenAt", equalTo(frozenAt)).body("keysRevoked", equalTo(0));

        tell(authService(), user + "/unfreeze", "Ticket SEC-77: owner confirmed").statusCode(200)
                .body("frozen", equalTo(false)).body("reason", nullValue()).body("keysRevoked", nullValue());
        assertEquals(0, frozenRows(user));
        // Revoked keys stay revoked; a new one (with a step-up) pays again, and so does a top-up.
        assertEquals("revoked user-frozen auth-service", key(phone.keyId()));
        Device again = CpmPaymentTest.device(user, phoneId);
        CpmPaymentTest.charge(shop.tillA(), again.code(), 700).statusCode(201);
        TopupTest.topUp(customer.token(), UUID.randomUUID().toString(), card, 3000).statusCode(201)
                .body("status", equalTo("COMPLETED"));
        tell(authService(), user + "/unfreeze", "a retry").statusCode(200).body("frozen", equalTo(false));
    }

    @Test
    void aFrozenDeviceLosesItsKeyAndTheUsersOtherDevicesPayOn() {
        String user = UUID.randomUUID().toString();
        String stolenId = newDevice();
        Device stolen = CpmPaymentTest.device(user, stolenId);
        Device other = CpmPaymentTest.device(user, newDevice());
        Shop shop = CpmPaymentTest.shop();

        tell(authService(), user + "/devices/" + stolenId + "/freeze", REASON).statusCode(200)
                .body("kind", equalTo("device")).body("subject", equalTo(user + "/" + stolenId))
                .body("frozen", equalTo(true)).body("keysRevoked", equalTo(1));
        assertEquals("revoked device-frozen auth-service", key(stolen.keyId()));
        assertEquals("active - -", key(other.keyId()));
        expectProblem(CpmPaymentTest.charge(shop.tillA(), stolen.code(), 500), 403, "payment-key-revoked");
        CpmPaymentTest.charge(shop.tillA(), other.code(), 500).statusCode(201);
        String stepUp = stepUp(user, stolenId);
        expectProblem(CpmPaymentTest.as(stepUp).post("/v1/payment-keys").then(), 403, "device-frozen");

        tell(authService(), user + "/devices/" + stolenId + "/unfreeze", REASON).statusCode(200)
                .body("frozen", equalTo(false));
        CpmPaymentTest.as(stepUp).post("/v1/payment-keys").then().statusCode(201);
    }

    @Test
    void anUnboundDevicesKeyIsRevokedWithoutFreezingAnything() {
        String user = UUID.randomUUID().toString();
        String lostId = newDevice();
        Device lost = CpmPaymentTest.device(user, lostId);
        Device kept = CpmPaymentTest.device(user, newDevice());
        Shop shop = CpmPaymentTest.shop();

        tell(authService(), user + "/devices/" + lostId + "/unbinding", "unbound by the user from device x")
                .statusCode(200).body("kind", equalTo("device")).body("frozen", equalTo(false))
                .body("keysRevoked", equalTo(1));
        assertEquals("revoked device-unbound auth-service", key(lost.keyId()));
        assertEquals(0, frozenRows(user));
        expectProblem(CpmPaymentTest.charge(shop.tillA(), lost.code(), 500), 403, "payment-key-revoked");
        CpmPaymentTest.charge(shop.tillB(), kept.code(), 500).statusCode(201);
        tell(authService(), user + "/devices/" + lostId + "/unbinding", "a retry").statusCode(200)
                .body("keysRevoked", equalTo(0));
    }

    @Test
    void onlyAuthServicesScopeMayTellAndBadCallsChangeNothing() {
        String user = UUID.randomUUID().toString();
        String deviceId = newDevice();
        Device device = CpmPaymentTest.device(user, deviceId);
        String path = user + "/freeze";
        given().contentType(ContentType.JSON).body(Map.of("reason", REASON)).post("/v1/internal/customers/" + path)
                .then().statusCode(401);
        tell(TestIssuer.tokens().tokenSignedByStranger(Scopes.AUTH_SERVICE, "service"), path, REASON)
                .statusCode(401);
        for (String token : List.of(device.token(), ops(),
                TestIssuer.tokens().serviceToken(Scopes.PAYMENT_SERVICE,
                        Scopes.grantedByDefault(Scopes.PAYMENT_SERVICE)),
                TestIssuer.tokens().serviceToken(Scopes.NOTIFICATION_SERVICE,
                        Scopes.grantedByDefault(Scopes.NOTIFICATION_SERVICE)))) {
            tell(token, path, REASON).statusCode(403);
        }
        String token = authService();
        Map<String, String> bodies = Map.of("{}", "validation-failed", "{\"reason\": \"  \"}", "validation-failed",
                "{\"reason\": \"" + "x".repeat(501) + "\"}", "validation-failed",
                "{\"reason\": \"r\", \"frozen\": false}", "malformed-body", "{\"reason\": ", "malformed-body",
                "[]", "malformed-body");
        bodies.forEach((body, problem) -> expectProblem(CpmPaymentTest.as(token).body(body)
                .post("/v1/internal/customers/" + path).then(), 400, problem));
        expectProblem(tell(token, user + "/devices/x/freeze", REASON), 400, "validation-failed");
        tell(token, "not-a-user/freeze", REASON).statusCode(404);
        CpmPaymentTest.as(token).body("{\"reason\": \"" + "x".repeat(70_000) + "\"}")
                .post("/v1/internal/customers/" + path).then().statusCode(413);
        assertEquals(0, frozenRows(user));
        assertEquals("active - -", key(device.keyId()));
    }

    @Test
    void opsFreezeACardAndNoTopUpChargesItUntilTheyUnfreezeIt() {
        Customer customer = TopupTest.customer(UUID.randomUUID().toString(), newDevice());
        String card = TopupTest.register(customer, TopupTest.APPROVES);
        CpmPaymentTest.as(ops()).body(Map.of("reason", "reported stolen")).post("/v1/ops/cards/" + card + "/freeze")
                .then().statusCode(200).body("kind", equalTo("card")).body("subject", equalTo(card))
                .body("frozen", equalTo(true)).body("frozenAt", notNullValue()).body("keysRevoked", nullValue());
        String key = UUID.randomUUID().toString();
        expectProblem(TopupTest.topUp(customer.token(), key, card, 3000), 403, "card-frozen");
        assertTrue(TopupTest.postedUnder(key).isEmpty(), "nothing posted");

        // Customers and services may not; an unknown card is not found.
        CpmPaymentTest.as(customer.token()).body(Map.of("reason", "mine")).post("/v1/ops/cards/" + card
                + "/unfreeze").then().statusCode(403);
        CpmPaymentTest.as(authService()).body(Map.of("reason", "x")).post("/v1/ops/cards/" + card + "/unfreeze")
                .then().statusCode(403);
        expectProblem(CpmPaymentTest.as(ops()).body(Map.of("reason", "x")).post("/v1/ops/cards/"
                + UUID.randomUUID() + "/freeze").then(), 404, "card-not-found");
        assertEquals(1, frozenRows(card));

        CpmPaymentTest.as(ops()).body(Map.of("reason", "found again")).post("/v1/ops/cards/" + card + "/unfreeze")
                .then().statusCode(200).body("frozen", equalTo(false));
        TopupTest.topUp(customer.token(), UUID.randomUUID().toString(), card, 3000).statusCode(201)
                .body("status", equalTo("COMPLETED"));
    }
}
