package io.kessai.wallet.security;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class VerifiedTokensTest {

    @Inject
    VerifiedTokens tokens;

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
    void aRememberedTokenStopsWorkingWhenItExpires() throws InterruptedException {
        String token = TestIssuer.tokens().tokenValidFor(Duration.ofSeconds(2), "payment-service", "service");
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200);
        assertTrue(tokens.remembers(token));
        Thread.sleep(3_100);
        assertFalse(tokens.remembers(token));
        expectProblem(given().auth().oauth2(token).get("/v1/internal/whoami").then(), 401, "unauthorized");
    }

    @Test
    void aForgeryOfARememberedTokenIsStillRefused() {
        String token = TestIssuer.tokens().token("payment-service", "service");
        given().auth().oauth2(token).get("/v1/internal/whoami").then().statusCode(200);
        String forged = TestIssuer.tokens().tokenSignedByStranger("payment-service", "service");
        expectProblem(given().auth().oauth2(forged).get("/v1/internal/whoami").then(), 401, "unauthorized");
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA");
        expectProblem(given().auth().oauth2(tampered).get("/v1/internal/whoami").then(), 401, "unauthorized");
        assertFalse(tokens.remembers(forged));
    }
}
