package io.kessai.auth.oidc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Discovery and JWKS as any OIDC library expects them, and never a private key part. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class WellKnownTest {

    @Test
    void discoveryNamesIssuerKeysAndTokenEndpoint() {
        given().when().get("/.well-known/openid-configuration")
                .then().statusCode(200)
                .body("issuer", matchesPattern("http://localhost:\\d+"))
                .body("jwks_uri", endsWith("/.well-known/jwks.json"))
                .body("token_endpoint", endsWith("/oauth2/token"))
                .body("grant_types_supported", hasItem("client_credentials"))
                .body("id_token_signing_alg_values_supported", equalTo(java.util.List.of("RS256")));
    }

    @Test
    void jwksPublishesOnlyPublicRsaSigningKeys() {
        given().when().get("/.well-known/jwks.json")
                .then().statusCode(200)
                .header("Cache-Control", "public, max-age=300")
                .body("keys", hasSize(1))
                .body("keys[0].kty", equalTo("RSA"))
                .body("keys[0].use", equalTo("sig"))
                .body("keys[0].alg", equalTo("RS256"))
                .body("keys[0].kid", matchesPattern("\\d{8}T\\d{6}-[0-9a-f]{6}"))
                .body("keys[0]", hasKey("n"))
                .body("keys[0]", not(hasKey("d")))
                .body("keys[0]", not(hasKey("p")))
                .body("keys[0]", not(hasKey("q")))
                .body("keys[0]", not(hasKey("dp")));
    }

    @Test
    void internalWhoamiDoesNotExistHere() {
        given().when().get("/v1/internal/whoami").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void readinessChecksTheDatabase() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
    }
}
