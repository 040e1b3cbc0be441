package io.kessai.testing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.function.Executable;

import io.restassured.response.Response;

/**
 * What every service's scope-table test (docs/security.md, "Service clients and their scopes") checks the same way:
 * how a client in or out of an endpoint's row must be answered, and which internal operations the service's OpenAPI
 * document lists, so that a new endpoint cannot go without a row.
 */
public final class ScopeTable {

    private ScopeTable() {
    }

    /**
     * Adds the checks of one call: a client in the row gets past authorization (neither 401 nor 403); any other gets
     * 403 {@code forbidden}. {@code seen} describes the call for the failure message.
     */
    public static void expect(List<Executable> checks, boolean inTheRow, Response response, String seen) {
        int status = response.statusCode();
        if (inTheRow) {
            checks.add(() -> assertTrue(status != 401 && status != 403, "allowed, but " + seen));
        } else {
            checks.add(() -> assertEquals(403, status, "not in the row, but " + seen));
            checks.add(() -> assertEquals("forbidden", response.path("code"), seen));
        }
    }

    /** The operations under {@code prefix} in the running service's OpenAPI document, as "METHOD /path-after-prefix". */
    public static Set<String> documentedOperations(String prefix) {
        Set<String> documented = new TreeSet<>();
        Map<String, Map<String, Object>> paths = given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200).extract().path("paths");
        paths.forEach((path, operations) -> {
            if (path.startsWith(prefix + "/")) {
                operations.keySet().forEach(method -> documented
                        .add(method.toUpperCase() + " " + path.substring(prefix.length())));
            }
        });
        return documented;
    }
}
