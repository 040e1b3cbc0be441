package io.kessai.notification;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.kessai.common.security.Scopes;
import io.kessai.testing.Eventually;
import io.kessai.testing.TestDatabase;
import io.kessai.testing.TestIssuer;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Posting events as a service would, waiting for the worker, and reading the database directly. */
final class NotificationTestSupport {

    private NotificationTestSupport() {
    }

    /** auth-service's token as auth-service issues it: it sends OTPs and security alerts. */
    static String serviceToken() {
        return tokenOf(Scopes.AUTH_SERVICE);
    }

    /** A known client's token with exactly the scopes it is granted. */
    static String tokenOf(String clientId) {
        return TestIssuer.tokens().serviceToken(clientId, Scopes.grantedByDefault(clientId));
    }

    static ValidatableResponse post(String eventJson) {
        return given().auth().oauth2(serviceToken()).contentType(ContentType.JSON).body(eventJson)
                .when().post("/v1/internal/events").then();
    }

    /** Waits for the worker; the bound only ends a failing test, so it leaves room for a loaded machine. */
    static void await(String what, BooleanSupplier condition) {
        Eventually.until(what, Duration.ofSeconds(30), condition);
    }

    /** The first column of the first row of a query, as text (null when no row). */
    static String queryText(String sql) {
        return TestDatabase.queryText(sql);
    }

    static long count(String sql) {
        return TestDatabase.count(sql);
    }

    static String deliveryStatus(String eventId, String channel) {
        return queryText("SELECT status FROM delivery WHERE event_id = '" + eventId + "' AND channel = '" + channel
                + "'");
    }
}
