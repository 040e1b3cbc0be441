package io.kessai.payment.cpm;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import io.kessai.cpm.CodeShower;
import io.kessai.cpm.CpmCodes;
import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.payment.PaymentFlowTest;
import io.kessai.payment.payment.Reconciler;
import io.kessai.testing.CapturedLog;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * Customer-presented codes end to end within payment-service, against real PostgreSQL and wallet-service as a WireMock
 * stub: a key issued to a stepped-up device, its offline code paid at a till once, replays, expired, revoked and
 * superseded codes, guessing throttled per till and per device reference, the offline limits, the key at rest and in
 * the log, and who may do what.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
public class CpmPaymentTest {

    @Inject
    Reconciler reconciler;

    private static final String APPLICATION = """
            {"legalName": "株式会社コード商店", "displayName": "コード商店", "city": "Tokyo", "categoryCode": "5411",
             "stores": [{"name": "Ginza"}, {"name": "Shibuya"}]}""";
    private static final Duration STEP = Duration.ofSeconds(30);
    /** A device bound long ago: the new-device rules stay out of the way. */
    private static final Instant BOUND_LONG_AGO = Instant.now().minus(Duration.ofDays(60));

    public record Shop(String merchantId, String tillA, String tillB, String tillAId) {
    }

    /** A customer's device with its issued key, and the shower the app would run. */
    public record Device(String customer, String token, UUID keyId, String secret, int reference, CodeShower shower) {

        public String code() {
            return shower.next(Instant.now());
        }
    }

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static Shop shop() {
        String id = as(TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant"))
                .header("Idempotency-Key", UUID.randomUUID().toString()).body(APPLICATION).post("/v1/merchants").then()
                .statusCode(201).extract().path("id");
        JsonPath approved = as(TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops"))
                .post("/v1/ops/merchants/" + id + "/approval").then().statusCode(200).extract().jsonPath();
        String tillA = "till-" + UUID.randomUUID();
        return new Shop(id, TestIssuer.tokens().tillToken(tillA, id, approved.getString("stores[0].id"), "T1"),
                TestIssuer.tokens().tillToken("till-" + UUID.randomUUID(), id, approved.getString("stores[1].id"),
                        "T2"),
                tillA);
    }

    static Device device() {
        return device("cust-" + UUID.randomUUID(), "dev-" + UUID.randomUUID());
    }

    /** {@code device} of {@code customer}, issued a key with a step-up token. */
    public static Device device(String customer, String device) {
        String stepUp = TestIssuer.tokens().customerToken(customer, device, BOUND_LONG_AGO, true);
        JsonPath issued = as(stepUp).post("/v1/payment-keys").then().statusCode(201).extract().jsonPath();
        String secret = issued.getString("secret");
        int reference = Integer.parseInt(issued.getString("deviceReference"));
        assertEquals("28", issued.getString("schemePrefix"));
        assertEquals(30, issued.getInt("stepSeconds"));
        return new Device(customer, TestIssuer.tokens().customerToken(customer, device, BOUND_LONG_AGO, false),
                UUID.fromString(issued.getString("key.id")), secret, reference,
                new CodeShower(Base64.getUrlDecoder().decode(secret), reference, STEP, 0));
    }

    static ValidatableResponse charge(String till, String key, String code, long amount, String merchantPaymentId) {
        return as(till).header("Idempotency-Key", key).body(Map.of("code", code, "amount",
                Map.of("amount", amount, "currency", "JPY"), "merchantPaymentId", merchantPaymentId))
                .post("/v1/cpm-payments").then();
    }

    public static ValidatableResponse charge(String till, String code, long amount) {
        return charge(till, UUID.randomUUID().toString(), code, amount, "sale-" + UUID.randomUUID());
    }

    private static long paymentsOf(String customer) {
        return TestDatabase.count("SELECT count(*) FROM payment WHERE customer_id = '" + customer + "'");
    }

    @Test
    void aSteppedUpDeviceGetsAKeyWhoseOfflineCodePaysAtATillOnce() {
        Shop shop = shop();
        Device device = device();
        String code = device.code();
        String key = UUID.randomUUID().toString();
        String body = charge(shop.tillA(), key, code, 980, "sale-1").statusCode(201).body("status",
                Matchers.equalTo("COMPLETED")).body("kind", Matchers.equalTo("CPM"))
                .body("merchantPaymentId", Matchers.equalTo("sale-1")).body("amount.amount", Matchers.equalTo(980))
                .extract().asString();
        String paymentId = JsonPath.from(body).getString("paymentId");
        assertEquals("cpm|completed|" + device.customer(), TestDatabase.queryText("SELECT kind || '|' || status || "
                + "'|' || customer_id FROM payment WHERE id = '" + paymentId + "'"));
        assertEquals(device.keyId().toString(), TestDatabase.queryText("SELECT key_id FROM cpm_code_use WHERE "
                + "payment_id = '" + paymentId + "'"));
        // The risk engine judged it as an offline payment of the key's device.
        assertEquals("cpm_payment|true|allow", TestDatabase.queryText("SELECT movement_kind || '|' || offline || '|' "
                + "|| outcome FROM risk_decision WHERE movement_id = '" + paymentId + "'"));
        // The till's retry is the same payment; the same code under another key is refused and changes nothing.
        charge(shop.tillA(), key, code, 980, "sale-1").statusCode(200).header("Idempotent-Replayed", "true")
                .body("paymentId", Matchers.equalTo(paymentId));
        expectProblem(charge(shop.tillA(), key, code, 981, "sale-1"), 422, "idempotency-key-reused");
        expectProblem(charge(shop.tillA(), code, 980), 409, "cpm-code-used");
        expectProblem(charge(shop.tillB(), code, 980), 409, "cpm-code-used");
        assertEquals(1, paymentsOf(device.customer()));
        // The till reads it by its own id; the customer sees it among their payments.
        as(shop.tillA()).get("/v1/merchant/payments/sale-1").then().statusCode(200)
                .body("paymentId", Matchers.equalTo(paymentId));
        as(device.token()).get("/v1/payments/" + paymentId).then().statusCode(200).body("kind",
                Matchers.equalTo("CPM"));
    }

    @Test
    void aCodeChargedWhileTheLedgerCannotBeReachedChargesNothingAndPaysOnceItIsBack() {
        Shop shop = shop();
        Device device = device();
        String code = device.code();
        String key = UUID.randomUUID().toString();
        double unavailable = PaymentFlowTest.paymentsCounted("cpm", "unavailable");
        double completed = PaymentFlowTest.paymentsCounted("cpm", "completed");
        FakeWallet.server().stubFor(get(urlPathEqualTo("/v1/internal/accounts/customers/" + device.customer()))
                .atPriority(1).willReturn(FakeWallet.json(503, "{\"type\":\"https://kessai.io/problems/"
                        + "service-unavailable\",\"status\":503}")));
        try {
            expectProblem(charge(shop.tillA(), key, code, 640, "sale-down"), 503, "service-unavailable")
                    .header("Retry-After", Matchers.notNullValue());
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        // Nothing was recorded or charged: no payment, the code not used, no failed attempt counted.
        assertEquals(0, paymentsOf(device.customer()));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM cpm_code_use WHERE key_id = '" + device.keyId()
                + "'"));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM cpm_attempt_failure WHERE subject IN ('"
                + shop.tillAId() + "', '" + String.format("%08d", device.reference()) + "')"));
        // So the till's retry of the same request, once the ledger answers, pays the same code once.
        charge(shop.tillA(), key, code, 640, "sale-down").statusCode(201).body("status",
                Matchers.equalTo("COMPLETED"));
        assertEquals(1, paymentsOf(device.customer()));
        // Operators see both: one charge the ledger could not take, then the payment.
        assertEquals(unavailable + 1, PaymentFlowTest.paymentsCounted("cpm", "unavailable"));
        assertEquals(completed + 1, PaymentFlowTest.paymentsCounted("cpm", "completed"));
    }

    @Test
    void aCodeWhoseTransferOutcomeIsUnknownStaysUsedWhileItsPaymentIsPendingAndIsSettledOnce() {
        Shop shop = shop();
        Device device = device();
        String code = device.code();
        FakeWallet.server().stubFor(post(urlPathMatching("/v1/internal/transfers.*")).atPriority(1)
                .withRequestBody(containing("\"amount\":6431"))
                .willReturn(FakeWallet.json(201, "{\"id\":\"{{randomValue type='UUID'}}\"}").withFixedDelay(2_500)));
        String paymentId;
        try {
            paymentId = charge(shop.tillA(), code, 6431).statusCode(202).body("status", Matchers.equalTo("PENDING"))
                    .extract().path("paymentId");
            // The outcome is unknown, so the code may have paid: another till cannot charge it again.
            expectProblem(charge(shop.tillB(), code, 6431), 409, "cpm-code-used");
        } finally {
            FakeWallet.server().resetMappings();
            FakeWallet.stubDefaults();
        }
        TestDatabase.execute("UPDATE payment SET next_attempt_at = now() WHERE id = '" + paymentId + "'");
        reconciler.settleDue().await().indefinitely();
        as(device.token()).get("/v1/payments/" + paymentId).then().statusCode(200)
                .body("status", Matchers.equalTo("COMPLETED"));
        assertEquals(1, paymentsOf(device.customer()));
    }

    @Test
    void oneCodeChargedConcurrentlyPaysOnce() throws Exception {
        Shop shop = shop();
        Device device = device();
        String code = device.code();
        String sameKey = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean retry = i % 2 == 0;
                answers.add(pool.submit(() -> retry
                        ? charge(shop.tillA(), sameKey, code, 400, "sale-same").extract().statusCode()
                        : charge(shop.tillB(), code, 400).extract().statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get(60, TimeUnit.SECONDS));
            }
            // One payment and one use of the code, whichever request won.
            assertEquals(1, paymentsOf(device.customer()), statuses.toString());
            assertEquals(1, TestDatabase.count("SELECT count(*) FROM cpm_code_use WHERE key_id = '" + device.keyId()
                    + "'"));
            // Exactly one request paid (201): a copy of the till-A request (even indexes) or one of till B's (odd).
            // When a copy paid, the other copies answer that payment (200 once it completed, 202 while it is still
            // being posted) and till B is refused as used; when till B paid, every other request is refused (409).
            assertEquals(1, statuses.stream().filter(status -> status == 201).count(), statuses.toString());
            int winner = statuses.indexOf(201);
            for (int i = 0; i < statuses.size(); i++) {
                int status = statuses.get(i);
                if (i != winner) {
                    assertTrue(winner % 2 == 0 && i % 2 == 0 ? status == 200 || status == 202 : status == 409,
                            statuses.toString());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCodeShownBeforeOneThatPaidIsRefused() {
        Shop shop = shop();
        Device device = device();
        String earlier = device.code();
        String later = device.code();
        charge(shop.tillA(), later, 500).statusCode(201);
        expectProblem(charge(shop.tillB(), earlier, 500), 409, "cpm-code-superseded");
        assertEquals(1, paymentsOf(device.customer()));
        // A code shown after it still pays.
        charge(shop.tillB(), device.code(), 500).statusCode(201);
        assertEquals(2, paymentsOf(device.customer()));
    }

    @Test
    void anExpiredCodeIsRefusedAndAFutureOneBeyondTheSkewIsInvalid() {
        Shop shop = shop();
        Device device = device();
        byte[] secret = Base64.getUrlDecoder().decode(device.secret());
        long old = CpmCodes.timeStep(Instant.now().minusSeconds(95), STEP);
        expectProblem(charge(shop.tillA(), CpmCodes.code(secret, device.reference(), old, 3), 500), 422,
                "cpm-code-expired");
        long future = CpmCodes.timeStep(Instant.now().plusSeconds(120), STEP);
        expectProblem(charge(shop.tillA(), CpmCodes.code(secret, device.reference(), future, 4), 500), 422,
                "cpm-code-invalid");
        assertEquals(0, paymentsOf(device.customer()));
    }

    @Test
    void aRevokedKeysCodesAreRefusedWhoeverRevokedIt() {
        Shop shop = shop();
        Device mine = device();
        Device other = device();
        // Another customer's key answers 404 and stays live.
        expectProblem(as(other.token()).delete("/v1/payment-keys/" + mine.keyId()).then(), 404,
                "payment-key-not-found");
        as(mine.token()).delete("/v1/payment-keys/" + mine.keyId()).then().statusCode(200)
                .body("status", Matchers.equalTo("REVOKED")).body("revokedReason", Matchers.equalTo("user"));
        expectProblem(charge(shop.tillA(), mine.code(), 500), 403, "payment-key-revoked");
        as(TestIssuer.tokens().token("ops-" + UUID.randomUUID(), "ops"))
                .post("/v1/ops/payment-keys/" + other.keyId() + "/revocation").then().statusCode(200)
                .body("revokedReason", Matchers.equalTo("ops"));
        expectProblem(charge(shop.tillA(), other.code(), 500), 403, "payment-key-revoked");
        assertEquals(0, paymentsOf(mine.customer()) + paymentsOf(other.customer()));
    }

    @Test
    void aFrozenUsersKeyIsRevokedWhenItsCodeArrives() {
        Shop shop = shop();
        Device device = device();
        TestDatabase.execute("INSERT INTO frozen_subject (kind, subject, reason, frozen_by) VALUES ('user', '"
                + device.customer() + "', 'fraud', 'ops-1')");
        expectProblem(charge(shop.tillA(), device.code(), 500), 403, "payment-key-revoked");
        assertEquals("revoked|user-frozen", TestDatabase.queryText("SELECT status || '|' || revoked_reason FROM "
                + "payment_key WHERE id = '" + device.keyId() + "'"));
        assertEquals(0, paymentsOf(device.customer()));
    }

    @Test
    void issuingAnotherKeyToTheDeviceReplacesTheFirst() {
        String customer = "cust-" + UUID.randomUUID();
        String stepUp = TestIssuer.tokens().customerToken(customer, "dev-1", BOUND_LONG_AGO, true);
        String first = as(stepUp).post("/v1/payment-keys").then().statusCode(201).extract().path("key.id");
        String second = as(stepUp).post("/v1/payment-keys").then().statusCode(201).extract().path("key.id");
        String list = as(stepUp).get("/v1/payment-keys").then().statusCode(200).body("size()", Matchers.equalTo(2))
                .body("find { it.id == '" + first + "' }.revokedReason", Matchers.equalTo("replaced"))
                .body("find { it.id == '" + second + "' }.status", Matchers.equalTo("ACTIVE")).extract().asString();
        assertFalse(list.contains("secret"), list);
    }

    @Test
    void guessingIsThrottledPerDeviceReference() {
        Shop shop = shop();
        Device device = device();
        String prefix = "28" + String.format("%08d", device.reference()) + "00";
        for (int i = 0; i < 5; i++) {
            expectProblem(charge(shop.tillA(), prefix + String.format("%08d", i), 500), 422, "cpm-code-invalid");
        }
        // Used up for this reference, from any till, even with the right code.
        expectProblem(charge(shop.tillB(), device.code(), 500), 429, "cpm-too-many-failures")
                .header("Retry-After", Matchers.notNullValue());
        assertEquals(5, Long.parseLong(TestDatabase.queryText("SELECT failures FROM cpm_attempt_failure WHERE "
                + "scope = 'device' AND subject = '" + String.format("%08d", device.reference()) + "'")));
        assertEquals(0, paymentsOf(device.customer()));
    }

    @Test
    void guessingIsThrottledPerTill() {
        Shop shop = shop();
        Device device = device();
        for (int i = 0; i < 10; i++) {
            // References nobody holds (keys never get 99999990 and up in a test run: one in ten million each).
            expectProblem(charge(shop.tillA(), "28" + (99_999_990 + i) + "0012345678", 500), 422,
                    "cpm-code-invalid");
        }
        int retryAfter = Integer.parseInt(expectProblem(charge(shop.tillA(), device.code(), 500), 429,
                "cpm-too-many-failures").extract().header("Retry-After"));
        assertTrue(retryAfter > 0 && retryAfter <= 900, "Retry-After " + retryAfter);
        // Another till of the shop is not throttled.
        charge(shop.tillB(), device.code(), 500).statusCode(201);
        assertEquals("10", TestDatabase.queryText("SELECT failures FROM cpm_attempt_failure WHERE scope = 'till' "
                + "AND subject = '" + shop.tillAId() + "'"));
    }

    @Test
    void offlinePaymentsAboveTheOfflineLimitAreConfirmedInTheAppAndAboveTheMaximumDenied() {
        Shop shop = shop();
        Device device = device();
        // Above the offline per-payment limit (10,000 JPY): held, the customer confirms in the app.
        String location = expectProblem(charge(shop.tillA(), device.code(), 12_000), 403, "confirm-in-app")
                .extract().header("Location");
        assertNotNull(location);
        String held = location.substring("/v1/payments/".length());
        assertEquals("held|cpm", TestDatabase.queryText("SELECT status || '|' || kind FROM payment WHERE id = '"
                + held + "'"));
        // The customer confirms it in the app with a step-up: it completes.
        as(TestIssuer.tokens().customerToken(device.customer(), "dev-x", BOUND_LONG_AGO, true))
                .post("/v1/payments/" + held + "/confirmation").then().statusCode(201)
                .body("status", Matchers.equalTo("COMPLETED"));
        // Above the per-payment maximum: denied, nothing recorded.
        long before = paymentsOf(device.customer());
        expectProblem(charge(shop.tillA(), device.code(), 10_000_000), 422, "payment-limit-exceeded");
        assertEquals(before, paymentsOf(device.customer()));
        assertEquals("deny", TestDatabase.queryText("SELECT outcome FROM risk_decision WHERE customer_id = '"
                + device.customer() + "' AND movement_kind = 'cpm_payment' ORDER BY created_at DESC LIMIT 1"));
    }

    @Test
    void offlinePaymentsBeyondTheDailyOfflineTotalAreConfirmedInTheApp() {
        Shop shop = shop();
        Device device = device();
        for (int i = 0; i < 3; i++) {
            charge(shop.tillA(), device.code(), 9_000).statusCode(201);
        }
        // 27,000 JPY today; 9,000 more passes the 30,000 JPY offline day total.
        expectProblem(charge(shop.tillA(), device.code(), 9_000), 403, "confirm-in-app");
        assertEquals("27000", TestDatabase.queryText("SELECT total FROM customer_period_total WHERE customer_id = '"
                + device.customer() + "' AND counter = 'offline-day'"));
    }

    @Test
    void theKeyIsSealedAtRestAndNeverLoggedNorShownAgain() {
        String secretHex;
        Device device;
        Shop shop = shop();
        try (CapturedLog log = CapturedLog.start()) {
            device = device();
            secretHex = HexFormat.of().formatHex(Base64.getUrlDecoder().decode(device.secret()));
            charge(shop.tillA(), device.code(), 700).statusCode(201);
            expectProblem(charge(shop.tillA(), device.code().substring(0, 12) + "00000000", 700), 422,
                    "cpm-code-invalid");
            for (var record : log.records()) {
                String line = CapturedLog.describe(record);
                assertFalse(line.contains(device.secret()) || line.toLowerCase().contains(secretHex), line);
            }
        }
        String sealed = TestDatabase.queryText("SELECT encode(sealed_secret, 'hex') FROM payment_key WHERE id = '"
                + device.keyId() + "'");
        assertEquals(12 + 32 + 16, sealed.length() / 2);
        assertFalse(sealed.contains(secretHex), "the column is the secret");
        String listed = as(device.token()).get("/v1/payment-keys").then().statusCode(200).extract().asString();
        assertFalse(listed.contains(device.secret()), listed);
    }

    @Test
    void onlyTheRightCallersReachKeysAndCodes() {
        Shop shop = shop();
        Device device = device();
        String customer = TestIssuer.tokens().customerToken("cust-" + UUID.randomUUID(), "dev-1", BOUND_LONG_AGO,
                false);
        expectProblem(given().post("/v1/payment-keys").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestIssuer.tokens().tokenSignedByStranger(device.customer(), "customer"))
                .post("/v1/payment-keys").then(), 401, "unauthorized");
        expectProblem(as(customer).post("/v1/payment-keys").then(), 403, "step-up-required");
        expectProblem(as(TestIssuer.tokens().customerToken("cust-" + UUID.randomUUID(), null, null, true))
                .post("/v1/payment-keys").then(), 400, "device-required");
        expectProblem(as(shop.tillA()).post("/v1/payment-keys").then(), 403, "forbidden");
        expectProblem(as(customer).post("/v1/ops/payment-keys/" + device.keyId() + "/revocation").then(), 403,
                "forbidden");
        // Only tills charge codes: not customers, not owners.
        expectProblem(as(customer).header("Idempotency-Key", "k1").body(Map.of("code", device.code(), "amount",
                Map.of("amount", 100, "currency", "JPY"), "merchantPaymentId", "s1")).post("/v1/cpm-payments").then(),
                403, "forbidden");
        expectProblem(as(TestIssuer.tokens().token("owner-" + UUID.randomUUID(), "merchant"))
                .header("Idempotency-Key", "k1").body(Map.of("code", device.code(), "amount",
                        Map.of("amount", 100, "currency", "JPY"), "merchantPaymentId", "s1"))
                .post("/v1/cpm-payments").then(), 403, "forbidden");
        expectProblem(given().contentType(ContentType.JSON).body("{}").post("/v1/cpm-payments").then(), 401,
                "unauthorized");
        // Another shop's till does not see this shop's payment.
        charge(shop.tillA(), UUID.randomUUID().toString(), device.code(), 300, "sale-own").statusCode(201);
        expectProblem(as(shop().tillA()).get("/v1/merchant/payments/sale-own").then(), 404, "payment-not-found");
        assertEquals(1, paymentsOf(device.customer()));
    }

    @Test
    void malformedRequestsAreRefusedAndChangeNothing() {
        Shop shop = shop();
        Device device = device();
        expectProblem(charge(shop.tillA(), "2812345678", 100), 400, "cpm-code-malformed");
        expectProblem(charge(shop.tillA(), "2712345678001234567a", 100), 400, "cpm-code-malformed");
        expectProblem(charge(shop.tillA(), "27123456780012345678", 100), 400, "cpm-code-malformed");
        expectProblem(charge(shop.tillA(), device.code(), 0), 400, "validation-failed");
        expectProblem(charge(shop.tillA(), UUID.randomUUID().toString(), device.code(), 100, "bad id!"), 400,
                "validation-failed");
        expectProblem(as(shop.tillA()).body(Map.of("code", device.code(), "amount", Map.of("amount", 100,
                "currency", "JPY"), "merchantPaymentId", "s1")).post("/v1/cpm-payments").then(), 400,
                "missing-idempotency-key");
        expectProblem(as(shop.tillA()).header("Idempotency-Key", "k").body("{\"code\": ").post("/v1/cpm-payments")
                .then(), 400, "malformed-body");
        expectProblem(as(shop.tillA()).header("Idempotency-Key", "k").body("{\"code\": \"" + "2".repeat(2_000_000)
                + "\"}").post("/v1/cpm-payments").then(), 413, "payload-too-large");
        // A merchantPaymentId already used for another sale is refused.
        charge(shop.tillA(), UUID.randomUUID().toString(), device.code(), 100, "sale-x").statusCode(201);
        expectProblem(charge(shop.tillA(), UUID.randomUUID().toString(), device.code(), 100, "sale-x"), 409,
                "merchant-payment-id-reused");
        assertEquals(1, paymentsOf(device.customer()));
        assertEquals(0, TestDatabase.count("SELECT count(*) FROM cpm_attempt_failure WHERE subject = '"
                + String.format("%08d", device.reference()) + "'"));
    }
}
