package io.kessai.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

/**
 * What every service that validates Kessai tokens must do, run by each of them as a {@code @QuarkusTest}: accept
 * auth-service's tokens and their scopes, refuse forged ones with 401 (another key, no signature, expired, another
 * issuer, another algorithm than RS256, issued or valid only in the future) and missing roles with 403, answer errors
 * as problem documents, and be operable (health with a real database check, metrics, OpenAPI, migrated schema).
 */
public abstract class ResourceServerContract {

    private static final String WHOAMI = "/v1/internal/whoami";
    private static final String PROBLEM_BASE = "https://kessai.io/problems/";

    @Test
    public void serviceTokenFromTheIssuerIsAccepted() {
        given().auth().oauth2(TestIssuer.tokens().token("payment-service", "service"))
                .when().get(WHOAMI)
                .then().statusCode(200)
                .body("subject", equalTo("payment-service"))
                .body("roles", equalTo(List.of("service")));
    }

    @Test
    public void theScopesOfATokenAreWhatTheServiceGrants() {
        // quarkus-oidc turns the space-separated scope claim into the permissions every internal endpoint checks.
        given().auth().oauth2(TestIssuer.tokens().serviceToken("payment-service",
                List.of("wallet:accounts.read", "notification:events.send")))
                .when().get(WHOAMI)
                .then().statusCode(200)
                .body("scopes", equalTo(List.of("notification:events.send", "wallet:accounts.read")));
        given().auth().oauth2(TestIssuer.tokens().token("payment-service", "service"))
                .when().get(WHOAMI)
                .then().statusCode(200)
                .body("scopes", equalTo(List.of()));
    }

    @Test
    public void anOpsTokenIsNotAService() {
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("ops-console", "ops"))
                .when().get(WHOAMI).then(), 403, "forbidden");
    }

    @Test
    public void missingTokenIsUnauthorized() {
        expectProblem(given().when().get(WHOAMI).then(), 401, "unauthorized")
                .header("WWW-Authenticate", equalTo("Bearer"));
    }

    @Test
    public void tokenSignedByAnotherKeyIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().tokenSignedByStranger("payment-service", "service"));
    }

    @Test
    public void unsignedTokenIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().unsignedToken("payment-service", "service"));
    }

    @Test
    public void expiredTokenIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().expiredToken("payment-service", "service"));
    }

    @Test
    public void tokenFromAnotherIssuerIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().tokenFromIssuer("https://evil.example", "payment-service", "service"));
    }

    /** The published key, the right claims, another algorithm: auth-service signs RS256 only, so nobody else did. */
    @Test
    public void tokenSignedWithAnotherAlgorithmIsUnauthorized() {
        for (String algorithm : List.of("RS384", "RS512", "PS256", "PS384", "PS512")) {
            Response response = given().auth().oauth2(TestIssuer.tokens().tokenSignedWithAlgorithm(algorithm,
                    "payment-service", "service")).when().get(WHOAMI);
            assertEquals(401, response.statusCode(), "a token signed with " + algorithm);
            expectProblem(response.then(), 401, "unauthorized")
                    .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\""));
        }
    }

    @Test
    public void tokenIssuedInTheFutureIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().tokenIssuedAt(Instant.now().plus(Duration.ofHours(1)),
                "payment-service", "service"));
        // Just past the 30 s allowed for clocks that disagree.
        expectInvalidToken(TestIssuer.tokens().tokenIssuedAt(Instant.now().plus(Duration.ofMinutes(2)),
                "payment-service", "service"));
    }

    /** An issuer whose clock runs a few seconds ahead is not locked out. */
    @Test
    public void tokenIssuedWithinTheClockSkewIsAccepted() {
        given().auth().oauth2(TestIssuer.tokens().tokenIssuedAt(Instant.now().plusSeconds(5), "payment-service",
                "service"))
                .when().get(WHOAMI)
                .then().statusCode(200)
                .body("subject", equalTo("payment-service"));
    }

    @Test
    public void tokenNotValidYetIsUnauthorized() {
        expectInvalidToken(TestIssuer.tokens().tokenNotBefore(Instant.now().plus(Duration.ofHours(1)),
                "payment-service", "service"));
    }

    @Test
    public void garbageTokenIsUnauthorized() {
        expectInvalidToken("not-a-jwt");
    }

    @Test
    public void tokenWithoutTheServiceRoleIsForbidden() {
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("user-1", "customer"))
                .when().get(WHOAMI).then(), 403, "forbidden");
    }

    @Test
    public void unknownPathIsAProblemDocument() {
        expectProblem(given().when().get("/v1/no-such-thing").then(), 404, "not-found");
    }

    @Test
    public void wrongMethodIsAProblemDocument() {
        expectProblem(given().auth().oauth2(TestIssuer.tokens().token("payment-service", "service"))
                .when().delete(WHOAMI).then(), 405, "method-not-allowed");
    }

    @Test
    public void readinessChecksTheDatabase() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    public void metricsAreExposedForPrometheus() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    public void openApiDocumentsTheEndpointsAndSwaggerUiIsServed() {
        given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey(WHOAMI));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    public void schemaIsMigratedAtStart() throws Exception {
        Config config = ConfigProvider.getConfig();
        try (Connection connection = DriverManager.getConnection(
                config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success")) {
            row.next();
            assertEquals(1, row.getInt(1), "baseline migration V1 applied once");
        }
    }

    private static void expectInvalidToken(String token) {
        expectProblem(given().auth().oauth2(token).when().get(WHOAMI).then(), 401, "unauthorized")
                .header("WWW-Authenticate", equalTo("Bearer error=\"invalid_token\""));
    }

    /** Asserts the RFC 9457 shape, the exact type, and that nothing internal leaks. */
    public static ValidatableResponse expectProblem(ValidatableResponse response, int status, String code) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("type", equalTo(PROBLEM_BASE + code))
                .body("code", equalTo(code))
                .body("status", equalTo(status))
                .body("title", not(equalTo(null)))
                .body("detail", not(equalTo(null)))
                .body(not(containsString("Exception")))
                .body(not(containsString("java.")))
                .body(not(containsString("io.kessai")))
                .body(not(containsString("\tat ")));
    }
}
