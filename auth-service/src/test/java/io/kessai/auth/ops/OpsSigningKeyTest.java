package io.kessai.auth.ops;

import static io.kessai.auth.ops.OpsTest.ops;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestClients;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/** Ops rotates the signing key: the new key is published at once but does not sign before the publish lead. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class OpsSigningKeyTest {

    private static String kidOf(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]),
                StandardCharsets.UTF_8)).getString("kid");
    }

    @Test
    void aRotatedKeyIsPublishedAtOnceAndSignsOnlyAfterTheLead() {
        String before = TestClients.token(TestClients.PAYMENT);
        String kid = ops().post("/v1/ops/signing-keys/rotate").then().statusCode(201).extract().path("kid");
        List<String> published = given().get("/.well-known/jwks.json").then().statusCode(200).extract()
                .path("keys.kid");
        assertTrue(published.contains(kid), published.toString());
        assertTrue(published.contains(kidOf(before)), "the key that signs stays published");
        String after = TestClients.token(TestClients.PAYMENT);
        assertNotEquals(kid, kidOf(after), "the new key must not sign before resource servers can know it");
        assertEquals(kidOf(before), kidOf(after));
        assertEquals(1, count("SELECT count(*) FROM audit_event WHERE type = 'signing-key-rotation' "
                + "AND detail->>'kid' = '" + kid + "' AND actor = '" + TestClients.OPS_TOOL + "'"));
    }

    @Test
    void onlyOpsMayRotate() {
        expectProblem(given().post("/v1/ops/signing-keys/rotate").then(), 401, "unauthorized");
        expectProblem(given().auth().oauth2(TestClients.token(TestClients.PAYMENT)).post("/v1/ops/signing-keys/rotate")
                .then(), 403, "forbidden");
    }
}
