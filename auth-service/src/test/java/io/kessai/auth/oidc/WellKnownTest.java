package io.kessai.auth.oidc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

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
                .body("scopes_supported", hasItem("wallet:transfers.topup"))
                .body("claims_supported", hasItem("scope"))
                .body("id_token_signing_alg_values_supported", equalTo(java.util.List.of("RS256")));
    }

    /** Every published key, however many a rotation in the same application start added: public RSA parts only. */
    @Test
    void jwksPublishesOnlyPublicRsaSigningKeys() {
        given().when().get("/.well-known/jwks.json")
                .then().statusCode(200)
                .header("Cache-Control", "public, max-age=300")
                .body("keys", not(empty()))
                .body("keys.kty", everyItem(equalTo("RSA")))
                .body("keys.use", everyItem(equalTo("sig")))
                .body("keys.alg", everyItem(equalTo("RS256")))
                .body("keys.kid", everyItem(matchesPattern("\\d{8}T\\d{6}-[0-9a-f]{6}")))
                .body("keys", everyItem(hasKey("n")))
                .body("keys", everyItem(hasKey("e")))
                .body("keys", everyItem(allOf(not(hasKey("d")), not(hasKey("p")), not(hasKey("q")),
                        not(hasKey("dp")), not(hasKey("dq")), not(hasKey("qi")))));
    }

    @Test
    void theKeyThatSignsIsPublished() {
        String token = TestClients.token(TestClients.PAYMENT);
        String kid = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]),
                StandardCharsets.UTF_8)).getString("kid");
        given().when().get("/.well-known/jwks.json").then().statusCode(200).body("keys.kid", hasItem(kid));
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
