package io.kessai.auth;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.kessai.testing.TestDatabase.count;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.kessai.auth.TestUsers.Phone;
import io.kessai.testing.HttpHardeningContract;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/** The HTTP-layer rules on auth-service, whose public endpoints read bodies from anyone, without a token. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class AuthHttpHardeningTest extends HttpHardeningContract {

    @Override
    protected String bodyPath() {
        return "/v1/password-resets";
    }

    /** Which number would get the code, the first or the last? Neither: the request is refused and nothing is sent. */
    @Test
    void aFieldGivenTwiceIsRefusedAndNothingHappens() {
        Phone first = Phone.fresh();
        Phone second = Phone.fresh();
        expectProblem(given().contentType(ContentType.JSON).header("X-Forwarded-For", freshAddress())
                .body("{\"phone\":\"" + first.typed() + "\",\"phone\":\"" + second.typed() + "\"}")
                .when().post("/v1/password-resets").then(), 400, "malformed-body");
        assertEquals(0,
                count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND phone_e164 IN ('"
                        + first.e164() + "', '" + second.e164() + "')"));
    }

    /** A body within the limit sent without a length is read in full by the body limit and reaches the endpoint. */
    @Test
    void aBodyWithoutALengthWithinTheLimitIsServed() throws Exception {
        Phone phone = Phone.fresh();
        byte[] body = ("{\"phone\":\"" + phone.typed() + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/password-resets"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").header("X-Forwarded-For", freshAddress())
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
        assertEquals(1,
                count("SELECT count(*) FROM audit_event WHERE type = 'password-reset-request' AND phone_e164 = '"
                        + phone.e164() + "'"));
    }
}
