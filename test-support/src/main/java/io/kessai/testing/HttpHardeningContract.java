package io.kessai.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.restassured.RestAssured;

/**
 * What every Kessai service does at the HTTP layer whatever the endpoint, run by each of them as a
 * {@code @QuarkusTest}: a body must say its media type, every response forbids MIME sniffing, and Swagger UI may
 * neither be framed nor run scripts from elsewhere.
 */
public abstract class HttpHardeningContract {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * Where to send bodies: an endpoint that reads one without a token where the service has one (auth-service's
     * public endpoints are the real target), otherwise any path, because every refusal here comes before routing.
     */
    protected String bodyPath() {
        return "/v1/internal/whoami";
    }

    @Test
    public void everyResponseForbidsMimeSniffing() {
        for (String path : List.of("/v1/no-such-thing", "/q/health/live", "/q/health/ready", "/q/metrics",
                "/q/openapi", "/q/swagger-ui/")) {
            given().when().get(path).then().header("X-Content-Type-Options", equalTo("nosniff"));
        }
    }

    @Test
    public void swaggerUiMayNotBeFramedNorLoadAnythingFromElsewhere() {
        for (String path : List.of("/q/swagger-ui/", "/q/swagger-ui/index.html")) {
            given().redirects().follow(false).when().get(path)
                    .then().statusCode(200)
                    .header("X-Frame-Options", equalTo("DENY"))
                    .header("Content-Security-Policy", containsString("default-src 'self'"))
                    .header("Content-Security-Policy", containsString("script-src 'self' 'unsafe-inline';"))
                    .header("Content-Security-Policy", containsString("connect-src 'self'"))
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .header("X-Content-Type-Options", equalTo("nosniff"));
        }
    }

    @Test
    public void bodyWithoutContentTypeIsRefused() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(bodyPath()))
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1200,\"currency\":\"JPY\"}")));
        assertProblem(response, 415, "unsupported-media-type");
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(null));
        assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertTrue(response.body().contains("\"type\":\"https://kessai.io/problems/" + code + "\""), response.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
    }
}
