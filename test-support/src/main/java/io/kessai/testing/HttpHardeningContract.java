package io.kessai.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * What every Kessai service does at the HTTP layer whatever the endpoint, run by each of them as a
 * {@code @QuarkusTest}: every response forbids MIME sniffing, and Swagger UI may neither be framed nor run scripts
 * from elsewhere.
 */
public abstract class HttpHardeningContract {

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
}
