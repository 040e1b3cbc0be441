package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TokenMinter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** When auth-service cannot be reached for its keys, a token cannot be checked: that is a 503, never a 500 or 200. */
@QuarkusTest
@TestProfile(IssuerUnavailableTest.IssuerDown.class)
@WithTestResource(PostgresResource.class)
class IssuerUnavailableTest {

    /** Port 9 (discard) on loopback: nothing listens there on a test machine. */
    public static class IssuerDown implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.auth.url", "http://127.0.0.1:9", "quarkus.oidc.connection-timeout", "1S");
        }
    }

    @Test
    void tokenCannotBeCheckedSoTheAnswerIs503WithRetryAfter() {
        String token = new TokenMinter(TokenMinter.newKey("k1"), "http://127.0.0.1:9").token("payment-service",
                "service");
        expectProblem(given().auth().oauth2(token).when().get("/v1/internal/whoami").then(), 503,
                "service-unavailable")
                .header("Retry-After", equalTo("5"));
    }

    @Test
    void requestsWithoutATokenStillGet401() {
        expectProblem(given().when().get("/v1/internal/whoami").then(), 401, "unauthorized");
    }
}
