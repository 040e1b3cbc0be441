package io.kessai.notification;

import static io.restassured.RestAssured.given;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.kessai.testing.Eventually;
import io.kessai.testing.TestIssuer;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Posting events as a service would, waiting for the worker, and reading the database directly. */
final class NotificationTestSupport {

    private NotificationTestSupport() {
    }

    static String serviceToken() {
        return TestIssuer.tokens().token("auth-service", "service");
    }

    static ValidatableResponse post(String eventJson) {
        return given().auth().oauth2(serviceToken()).contentType(ContentType.JSON).body(eventJson)
                .when().post("/v1/internal/events").then();
    }

    static void await(String what, BooleanSupplier condition) {
        Eventually.until(what, Duration.ofSeconds(15), condition);
    }

    /** The first column of the first row of a query, as text (null when no row). */
    static String queryText(String sql) {
        Config config = ConfigProvider.getConfig();
        try (Connection connection = DriverManager.getConnection(
                config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            return row.next() ? row.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(String sql) {
        return Long.parseLong(queryText(sql));
    }

    static String deliveryStatus(String eventId, String channel) {
        return queryText("SELECT status FROM delivery WHERE event_id = '" + eventId + "' AND channel = '" + channel
                + "'");
    }
}
