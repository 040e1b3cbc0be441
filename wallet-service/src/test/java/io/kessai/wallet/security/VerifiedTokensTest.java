package io.kessai.wallet.security;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

import org.junit.jupiter.api.Test;

import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Scopes;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.kessai.tokencache.VerifiedTokens;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * The cache in front of quarkus-oidc (kessai-token-cache), end to end. Exactly when a remembered token is forgotten is
 * decided by {@link VerifiedTokens}' clock and is unit-tested there by moving that clock (VerifiedTokensExpiryTest);
 * here a real token is followed across its real expiry.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class VerifiedTokensTest {

    @Inject
    VerifiedTokens tokens;

    @Inject
    BeanManager beans;

    /**
     * A remembered identity is answered without running the augmentors again, which is right only while every
     * augmentor's result follows from the token alone. OpsAccess grants by role, a claim of the token; a new augmentor
     * fails this until it is shown to read nothing of the request (or the cache is left out of this service).
     */
    @Test
    void everyAugmentorReadsTheTokenAlone() {
        Set<Class<?>> augmentors = beans.getBeans(SecurityIdentityAugmentor.class, Any.Literal.INSTANCE).stream()
                .map(Bean::getBeanClass).collect(Collectors.toSet());
        assertEquals(Set.of(OpsAccess.class, VerifiedTokens.class), augmentors);
    }

    @Test
    void aVerifiedTokenIsRememberedAndServesTheSameIdentity() {
        String token = TestIssuer.tokens().token("payment-service", "service");
        assertFalse(tokens.remembers(token));
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200)
                .body("subject", equalTo("payment-service"));
        assertTrue(tokens.remembers(token));
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200)
                .body("subject", equalTo("payment-service"));
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("alice", "customer"))
                .get("/v1/internal/whoami").then(), 403, "forbidden");
    }

    @Test
    void aRememberedTokenKeepsExactlyItsScopes() {
        // Read scope only: the same answers before it is remembered (a full check) and after (from the cache).
        String reader = TestIssuer.tokens().serviceToken("reader", List.of(Scopes.WALLET_ACCOUNTS_READ));
        String clearing = "/v1/internal/accounts/system/funding-clearing";
        for (int call = 0; call < 2; call++) {
            given().auth().oauth2(reader).get(clearing).then().statusCode(200);
            expectProblem(given().auth().oauth2(reader).contentType(ContentType.JSON)
                    .body(Map.of("userId", "usr-" + UUID.randomUUID())).post("/v1/internal/accounts/customers")
                    .then(), 403, "forbidden");
            given().auth().oauth2(reader).get("/v1/internal/whoami").then().statusCode(200)
                    .body("scopes", equalTo(List.of(Scopes.WALLET_ACCOUNTS_READ)));
        }
        assertTrue(tokens.remembers(reader));

        // Ops reads by its role; remembered, it still does, and still posts nothing.
        String ops = TestIssuer.tokens().token("ops-console", "ops");
        for (int call = 0; call < 2; call++) {
            given().auth().oauth2(ops).get(clearing).then().statusCode(200);
            expectProblem(given().auth().oauth2(ops).contentType(ContentType.JSON)
                    .body(Map.of("merchantId", "m-" + UUID.randomUUID())).post("/v1/internal/accounts/merchants")
                    .then(), 403, "forbidden");
        }
        assertTrue(tokens.remembers(ops));
    }

    @Test
    void aRememberedTokenStopsWorkingWhenItExpires() {
        // An exact expiry (a whole second, as JWTs carry it) some seconds out: long enough for the first request to be
        // checked and remembered on a slow machine, short enough to wait for.
        Instant expiresAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(6);
        String token = TestIssuer.tokens().tokenExpiringAt(expiresAt, "payment-service", "service");
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200);
        assertTrue(tokens.remembers(token));

        Eventually.until("the cache to forget the token at its expiry", Duration.ofSeconds(30),
                () -> !tokens.remembers(token));
        assertFalse(Instant.now().isBefore(expiresAt), "forgotten at its expiry, not before");
        expectProblem(given().auth().oauth2(token).get("/v1/internal/whoami").then(), 401, "unauthorized");
        assertFalse(tokens.remembers(token));
    }

    @Test
    void aForgeryOfARememberedTokenIsStillRefused() {
        String token = TestIssuer.tokens().token("payment-service", "service");
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200);
        assertTrue(tokens.remembers(token));

        String forged = TestIssuer.tokens().tokenSignedByStranger("payment-service", "service");
        expectProblem(given().auth().oauth2(forged).get("/v1/internal/whoami").then(), 401, "unauthorized");

        String[] parts = token.split("\\.");
        // The claims rewritten to name another caller, the remembered token's genuine signature kept.
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String otherCaller = claims.replace("\"sub\":\"payment-service\"", "\"sub\":\"auth-service\"");
        assertNotEquals(claims, otherCaller, "the claims name the subject as expected: " + claims);
        String altered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(otherCaller.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        expectProblem(given().auth().oauth2(altered).get("/v1/internal/whoami").then(), 401, "unauthorized");

        // The signature changed in its first character. Each base64url character but the last carries six bits of
        // the signature, so a different one there is always a different signature. The last carries only its final
        // two bits (256 bytes are 341 characters and a third) beside four that decoding ignores, so changing it can
        // decode to the very same signature: a "forgery" that is the original token.
        String signature = parts[2];
        String resigned = parts[0] + "." + parts[1] + "." + (signature.charAt(0) == 'A' ? 'B' : 'A')
                + signature.substring(1);
        expectProblem(given().auth().oauth2(resigned).get("/v1/internal/whoami").then(), 401, "unauthorized");

        assertFalse(tokens.remembers(forged));
        assertFalse(tokens.remembers(altered));
        assertFalse(tokens.remembers(resigned));
        assertTrue(tokens.remembers(token), "the genuine token is still remembered");
    }
}
