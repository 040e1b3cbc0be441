package io.kessai.payment.security;

import static io.kessai.payment.shed.Shop.as;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Roles;
import io.kessai.common.security.TillClaims;
import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.payment.payment.FakeWallet;
import io.kessai.payment.shed.Shop;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.kessai.tokencache.VerifiedTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * payment-service's cache of verified tokens (kessai-token-cache), end to end: customers and tills call with one token
 * many times, so each token is checked in full by quarkus-oidc once and then answered from memory as the same caller,
 * with the claims the object-level checks read. Forgeries, other audiences and other issuers are checked in full every
 * time and refused. The hit and miss counters tell the two paths apart: a miss is a full check. The same resources as
 * PaymentFlowTest, so one Quarkus start serves both.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
@WithTestResource(FakeWallet.class)
class TokenCacheTest {

    @Inject
    VerifiedTokens tokens;

    @Inject
    MeterRegistry metrics;

    @Inject
    BeanManager beans;

    /** The cache's counters: answered from memory, and checked in full by quarkus-oidc. */
    private record Counts(double hits, double misses) {
    }

    private Counts counts() {
        return new Counts(count("hit"), count("miss"));
    }

    /** A counter not registered yet (the cache is made on the first request with a token) has counted nothing. */
    private double count(String outcome) {
        Counter counter = metrics.find("kessai.token.cache").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static String text(Object claim) {
        return claim instanceof JsonString string ? string.getString() : String.valueOf(claim);
    }

    private void assertCounted(Counts before, int hits, int misses, String what) {
        Counts now = counts();
        assertEquals(hits, now.hits() - before.hits(), "hits: " + what);
        assertEquals(misses, now.misses() - before.misses(), "full checks: " + what);
    }

    @Test
    void aCustomersTokenIsCheckedOnceThenAnsweredFromTheCacheAsTheSameCustomer() {
        Shop shop = Shop.open();
        String subject = "cust-" + UUID.randomUUID();
        String customer = TestIssuer.tokens().token(subject, Roles.CUSTOMER);
        assertFalse(tokens.remembers(customer));

        Counts before = counts();
        String first = shop.pay(customer, UUID.randomUUID().toString(), 120).statusCode(201).extract()
                .path("paymentId");
        assertCounted(before, 0, 1, "a token seen for the first time is checked in full");
        assertTrue(tokens.remembers(customer));

        before = counts();
        String second = shop.pay(customer, UUID.randomUUID().toString(), 130).statusCode(201).extract()
                .path("paymentId");
        as(customer).get("/v1/payments/" + first).then().statusCode(200).body("paymentId", equalTo(first));
        // Still a customer and nothing more: no till's endpoint, no service's.
        expectProblem(as(customer).get("/v1/store-code").then(), 403, "forbidden");
        expectProblem(as(customer).get("/v1/internal/whoami").then(), 403, "forbidden");
        assertCounted(before, 4, 0, "the same token again is answered from the cache");

        // Both payments are the customer's, the one paid from the cache as much as the one checked in full.
        for (String payment : List.of(first, second)) {
            assertEquals(subject,
                    TestDatabase.queryText("SELECT customer_id FROM payment WHERE id = '" + payment + "'"));
        }
        expectProblem(as(Shop.customer()).get("/v1/payments/" + first).then(), 404, "payment-not-found");

        SecurityIdentity remembered = tokens.find(customer);
        assertEquals(subject, remembered.getPrincipal().getName());
        assertEquals(Set.of(Roles.CUSTOMER), remembered.getRoles());
        // What Prometheus reads, under the name every service that has the cache uses.
        given().get("/q/metrics").then().statusCode(200).body(containsString("kessai_token_cache_total{"))
                .body(containsString("outcome=\"hit\"")).body(containsString("outcome=\"miss\""));
    }

    @Test
    void aTillsRememberedTokenKeepsItsMerchantStoreAndTerminal() {
        // Opening a shop shows its till the store's code: both tills' tokens are remembered from then on.
        Shop mine = Shop.open();
        Shop other = Shop.open();
        assertTrue(tokens.remembers(mine.till()));
        assertTrue(tokens.remembers(other.till()));

        Counts before = counts();
        String orderId = "order-" + UUID.randomUUID();
        String payload = as(mine.till()).body(Map.of("merchantPaymentId", orderId, "amount",
                Map.of("amount", 640, "currency", "JPY"))).post("/v1/codes").then().statusCode(201)
                .body("merchantId", equalTo(mine.merchantId())).body("storeId", equalTo(mine.storeId()))
                .body("terminalId", equalTo("T1")).extract().path("payload");
        String paymentId = as(Shop.customer()).header("Idempotency-Key", UUID.randomUUID().toString())
                .body(Map.of("payload", payload)).post("/v1/payments").then().statusCode(201).extract()
                .path("paymentId");
        as(mine.till()).get("/v1/merchant/payments/" + orderId).then().statusCode(200)
                .body("paymentId", equalTo(paymentId)).body("merchantId", equalTo(mine.merchantId()))
                .body("storeId", equalTo(mine.storeId())).body("terminalId", equalTo("T1"));
        // Another merchant's till, answered from the cache as well, still sees nothing of this merchant's.
        expectProblem(as(other.till()).get("/v1/merchant/payments/" + orderId).then(), 404, "payment-not-found");
        expectProblem(as(other.till()).get("/v1/codes/" + orderId).then(), 404, "order-not-found");
        assertCounted(before, 4, 1, "the tills from the cache, the new customer checked in full");

        assertEquals(mine.storeId() + " T1", TestDatabase.queryText(
                "SELECT store_id || ' ' || terminal_id FROM payment WHERE id = '" + paymentId + "'"));
        JsonWebToken claims = (JsonWebToken) tokens.find(mine.till()).getPrincipal();
        assertEquals(mine.merchantId(), text(claims.getClaim(TillClaims.MERCHANT_ID)));
        assertEquals(mine.storeId(), text(claims.getClaim(TillClaims.STORE_ID)));
        assertEquals("T1", text(claims.getClaim(TillClaims.TERMINAL_ID)));
    }

    @Test
    void aForgeryOfARememberedTokenIsRefusedAndNeverAnsweredFromTheCache() {
        String subject = "cust-" + UUID.randomUUID();
        String customer = TestIssuer.tokens().token(subject, Roles.CUSTOMER);
        as(customer).get("/v1/payments").then().statusCode(200);
        assertTrue(tokens.remembers(customer));

        String[] parts = customer.split("\\.");
        // The signature changed in its first character: each base64url character but the last carries six bits of the
        // signature, so this is always another signature (the last one's spare bits could decode to the same one).
        String signature = parts[2];
        String resigned = parts[0] + "." + parts[1] + "." + (signature.charAt(0) == 'A' ? 'B' : 'A')
                + signature.substring(1);
        // The claims rewritten to name another customer, the remembered token's genuine signature kept.
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String otherCustomer = claims.replace("\"sub\":\"" + subject + "\"", "\"sub\":\"cust-victim\"");
        assertNotEquals(claims, otherCustomer, "the claims name the subject as expected: " + claims);
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(otherCustomer.getBytes(StandardCharsets.UTF_8)) + "." + signature;
        // The same claims signed by a key the issuer never published.
        String stranger = TestIssuer.tokens().tokenSignedByStranger(subject, Roles.CUSTOMER);

        Counts before = counts();
        for (String forged : List.of(resigned, altered, stranger)) {
            for (int call = 0; call < 2; call++) {
                expectProblem(as(forged).get("/v1/payments").then(), 401, "unauthorized")
                        .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\""));
            }
            assertFalse(tokens.remembers(forged));
        }
        assertCounted(before, 0, 6, "every forgery is checked in full, every time");

        before = counts();
        as(customer).get("/v1/payments").then().statusCode(200);
        assertCounted(before, 1, 0, "the genuine token is still remembered");
    }

    @Test
    void aTokenForAnotherAudienceOrFromAnotherIssuerIsRefusedEveryTime() {
        String subject = "cust-" + UUID.randomUUID();
        String otherAudience = TestIssuer.tokens().tokenForAudience("another-api", subject, Roles.CUSTOMER);
        String otherIssuer = TestIssuer.tokens().tokenFromIssuer("https://evil.example", subject, Roles.CUSTOMER);

        Counts before = counts();
        for (String refused : List.of(otherAudience, otherIssuer)) {
            for (int call = 0; call < 2; call++) {
                expectProblem(as(refused).get("/v1/payments").then(), 401, "unauthorized")
                        .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\""));
            }
            assertFalse(tokens.remembers(refused));
        }
        assertCounted(before, 0, 4, "refused tokens are checked in full every time");
    }

    @Test
    void noTokenIsUnauthorizedWithoutAskingTheCache() {
        Counts before = counts();
        expectProblem(given().get("/v1/payments").then(), 401, "unauthorized")
                .header("WWW-Authenticate", equalTo("Bearer"));
        expectProblem(given().header("Authorization", "Bearer ").get("/v1/payments").then(), 401, "unauthorized");
        assertCounted(before, 0, 0, "no token, nothing to look up");
    }

    /**
     * A remembered identity is answered without running the augmentors again, which is right only while every
     * augmentor's result follows from the token alone. payment-service has one besides the cache, OpsAccess, which
     * grants by role, a claim of the token. A new augmentor fails this until it is shown to read nothing of the request
     * (or the cache is left out of this service).
     */
    @Test
    void everyAugmentorReadsTheTokenAlone() {
        Set<Class<?>> augmentors = beans.getBeans(SecurityIdentityAugmentor.class, Any.Literal.INSTANCE).stream()
                .map(Bean::getBeanClass).collect(Collectors.toSet());
        assertEquals(Set.of(OpsAccess.class, VerifiedTokens.class), augmentors);
    }
}
