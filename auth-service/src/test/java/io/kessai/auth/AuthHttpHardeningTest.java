package io.kessai.auth;

import static io.kessai.auth.TestUsers.freshAddress;
import static io.kessai.testing.TestDatabase.count;
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

/** The HTTP-layer rules on auth-service, whose public endpoints read bodies from anyone, without a token. */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(TestClients.class)
class AuthHttpHardeningTest extends HttpHardeningContract {

    @Override
    protected String bodyPath() {
        return "/v1/password-resets";
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
