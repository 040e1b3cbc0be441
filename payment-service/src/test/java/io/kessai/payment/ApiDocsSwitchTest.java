package io.kessai.payment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kessai.payment.outbox.FakeNotificationService;
import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The production switch of docs/operations.md: {@code KESSAI_API_DOCS_ENABLED=false} takes the OpenAPI document and
 * Swagger UI off, at run time, and leaves the API as it was. (A start of its own; the shared one has them on.)
 */
@QuarkusTest
@TestProfile(ApiDocsSwitchTest.ApiDocsOff.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
@WithTestResource(FakeNotificationService.class)
class ApiDocsSwitchTest {

    public static class ApiDocsOff implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kessai.api-docs.enabled", "false");
        }
    }

    @Test
    void neitherTheOpenApiDocumentNorSwaggerUiIsServed() {
        for (String path : new String[]{"/q/openapi", "/q/openapi?format=json", "/q/swagger-ui/",
                "/q/swagger-ui/index.html"}) {
            given().redirects().follow(false).when().get(path).then().statusCode(404);
        }
    }

    @Test
    void theApiAndHealthStillAnswer() {
        given().auth().oauth2(TestIssuer.tokens().token("wallet-service", "service"))
                .when().get("/v1/internal/whoami")
                .then().statusCode(200).body("subject", equalTo("wallet-service"));
        given().when().get("/q/health/ready").then().statusCode(200);
    }
}
