package io.kessai.wallet;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kessai.testing.PostgresResource;
import io.kessai.testing.TestIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/** Every kind of bad input answers a problem document with a stable type and no internals. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestIssuer.class)
class ProblemDetailsTest {

    private static final String PROBE = "/test/problems";

    @Test
    void validBodyPasses() {
        given().contentType(ContentType.JSON).body("{\"amount\":1200,\"currency\":\"JPY\"}")
                .when().post(PROBE)
                .then().statusCode(200).body("amount", equalTo(1200));
    }

    @Test
    void malformedJsonIsRejected() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":").when().post(PROBE).then(), 400,
                "malformed-body")
                .body("detail", equalTo("The request body is not valid JSON."));
    }

    @Test
    void wrongTypeNamesTheField() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":\"lots\",\"currency\":\"JPY\"}")
                .when().post(PROBE).then(), 400, "malformed-body")
                .body("errors.field", hasItem("amount"));
    }

    @Test
    void fractionalAmountIsRejected() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":12.5,\"currency\":\"JPY\"}")
                .when().post(PROBE).then(), 400, "malformed-body")
                .body("errors.field", hasItem("amount"));
    }

    @Test
    void amountAsStringIsRejected() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":\"1200\",\"currency\":\"JPY\"}")
                .when().post(PROBE).then(), 400, "malformed-body")
                .body("errors.field", hasItem("amount"));
    }

    @Test
    void overflowingAmountIsRejected() {
        expectProblem(given().contentType(ContentType.JSON)
                .body("{\"amount\":92233720368547758070,\"currency\":\"JPY\"}")
                .when().post(PROBE).then(), 400, "malformed-body");
    }

    @Test
    void trailingGarbageIsRejected() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":1,\"currency\":\"JPY\"} {}")
                .when().post(PROBE).then(), 400, "malformed-body");
    }

    @Test
    void unknownFieldIsRejected() {
        expectProblem(given().contentType(ContentType.JSON)
                .body("{\"amount\":1,\"currency\":\"JPY\",\"amout\":1}")
                .when().post(PROBE).then(), 400, "malformed-body")
                .body("errors.field", hasItem("amout"));
    }

    /** Whichever value a reader takes, first or last, another reader may take the other: a field twice is refused. */
    @Test
    void aFieldGivenTwiceIsRejected() {
        for (String body : List.of("{\"amount\":2,\"amount\":0,\"currency\":\"JPY\"}",
                "{\"amount\":0,\"amount\":2,\"currency\":\"JPY\"}",
                "{\"amount\":2,\"currency\":\"JPY\",\"currency\":\"USD\"}")) {
            expectProblem(given().contentType(ContentType.JSON).body(body).when().post(PROBE).then(), 400,
                    "malformed-body");
        }
    }

    /** The body limit reads a body sent without a length itself; the endpoint still gets all of it. */
    @Test
    void aBodyWithoutALengthWithinTheLimitIsServed() throws Exception {
        byte[] body = "{\"amount\":1200,\"currency\":\"JPY\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + PROBE))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"amount\":1200,\"currency\":\"JPY\"}", response.body());
    }

    @Test
    void constraintViolationsListEachField() {
        expectProblem(given().contentType(ContentType.JSON).body("{\"amount\":-5,\"currency\":\"\"}")
                .when().post(PROBE).then(), 400, "validation-failed")
                .body("errors.field", equalTo(List.of("amount", "currency")));
    }

    @Test
    void missingBodyIsRejected() {
        given().contentType(ContentType.JSON).when().post(PROBE)
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void wrongMediaTypeIsRejected() {
        expectProblem(given().contentType(ContentType.XML).body("<amount/>").when().post(PROBE).then(), 415,
                "unsupported-media-type");
    }

    @Test
    void oversizedBodyIsRefused() {
        String huge = "{\"amount\":1,\"currency\":\"" + "x".repeat(70 * 1024) + "\"}";
        expectProblem(given().contentType(ContentType.JSON).body(huge).when().post(PROBE).then(), 413,
                "payload-too-large");
    }

    @Test
    void domainProblemKeepsItsCodeAndHeaders() {
        expectProblem(given().when().get(PROBE + "/domain").then(), 409, "insufficient-funds")
                .header("Retry-After", equalTo("5"))
                .body("detail", equalTo("The balance is 100 JPY."));
    }

    @Test
    void unexpectedErrorHidesItsCause() {
        expectProblem(given().when().get(PROBE + "/bug").then(), 500, "internal-error")
                .body(not(containsString("secret internal state")))
                .body("detail", containsString("error id"));
    }
}
