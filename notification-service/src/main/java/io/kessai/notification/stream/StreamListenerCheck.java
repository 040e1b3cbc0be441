package io.kessai.notification.stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while this replica LISTENs for stream announcements: a replica that does not would hold its clients'
 * streams open without ever waking them (their events would arrive only on a reconnect).
 */
@Readiness
@ApplicationScoped
public class StreamListenerCheck implements HealthCheck {

    static final String NAME = "Stream listener (LISTEN " + StreamPublisher.NOTIFY_CHANNEL + ")";

    private final StreamHub hub;

    StreamListenerCheck(StreamHub hub) {
        this.hub = hub;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named(NAME).status(hub.listening()).build();
    }
}
