package io.kessai.testing;

import static io.kessai.testing.ResourceServerContract.expectProblem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * What every Kessai service does at the HTTP layer whatever the endpoint, run by each of them as a
 * {@code @QuarkusTest}: a body must say its media type and stay within 64 KiB (also when sent without a length, and
 * at the cost of one log line, not a stack trace), every response forbids MIME sniffing, and Swagger UI may neither
 * be framed nor run scripts from elsewhere.
 */
public abstract class HttpHardeningContract {

    private static final int LIMIT_BYTES = 64 * 1024;

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

    @Test
    public void oversizedBodyIsRefusedBeforeItIsRead() {
        try (CapturedLog log = CapturedLog.start()) {
            ValidatableResponse response = given().contentType(ContentType.JSON).body(oversizedJson())
                    .when().post(bodyPath()).then();
            expectProblem(response, 413, "payload-too-large").header("X-Content-Type-Options", equalTo("nosniff"));
            expectOneWarningAndNoStackTrace(log, bodyPath());
        }
    }

    /**
     * The attack: a body over the limit, sent without a length. Each one used to write an ERROR with a full stack trace
     * (the REST layer cut the body off, answered a bare 413, then threw into the exception mappers).
     */
    @Test
    public void oversizedBodyWithoutALengthIsRefusedWithOneWarningAndNoStackTrace() throws Exception {
        byte[] body = oversizedJson().getBytes(StandardCharsets.UTF_8);
        try (CapturedLog log = CapturedLog.start()) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri(bodyPath()))
                    .header("Content-Type", "application/json")
                    // An InputStream of unknown length: the client sends it chunked, without Content-Length.
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
            expectOneWarningAndNoStackTrace(log, bodyPath());
            assertProblem(response, 413, "payload-too-large");
        }
    }

    private static String oversizedJson() {
        return "{\"amount\":1,\"currency\":\"" + "x".repeat(LIMIT_BYTES + 6 * 1024) + "\"}";
    }

    /**
     * Exactly one WARN line about the request, from the body limit, with no stack trace, and no ERROR at all. The
     * line is written before the 413 is sent, so it is there once the answer is; a second request on a new connection
     * then gives anything still running for the first one (the old failure logged after answering) time to show.
     */
    private static void expectOneWarningAndNoStackTrace(CapturedLog log, String path) {
        given().when().get("/q/health/live").then().statusCode(200);
        List<LogRecord> aboutTheRequest = log.records().stream()
                .filter(record -> CapturedLog.message(record).contains(path)).toList();
        String seen = log.records().stream().map(CapturedLog::describe).toList().toString();
        assertEquals(1, aboutTheRequest.size(), "one log line about the request: " + seen);
        LogRecord warning = aboutTheRequest.get(0);
        assertEquals(Level.WARNING, warning.getLevel(), seen);
        assertEquals("io.kessai.common.problem.BodyLimit", warning.getLoggerName(), seen);
        assertEquals(null, warning.getThrown(), "no stack trace: " + seen);
        assertTrue(log.records().stream().noneMatch(record -> record.getLevel().intValue() > Level.WARNING.intValue()),
                "no ERROR: " + seen);
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
