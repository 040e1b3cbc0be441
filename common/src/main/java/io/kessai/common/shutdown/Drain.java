package io.kessai.common.shutdown;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kessai.common.problem.Problem;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Starts no new work once the service is stopping, so that everything it started is finished and answered.
 *
 * <p>On SIGTERM Quarkus reports readiness DOWN at once and, for {@code quarkus.shutdown.delay} (set it behind a load
 * balancer, so traffic moves away first), goes on serving. Then it waits up to {@code quarkus.shutdown.timeout} for
 * the requests in flight, and stops the rest of the application when none is left. Without this filter a request
 * arriving in that wait was still taken on: it could start a transaction the moment the in-flight count touched zero,
 * and the process then closed its connection without an answer although its transfer had committed. From the end of
 * the delay on, every new request is answered at once with 503 {@code service-unavailable}, {@code Retry-After} and
 * {@code Connection: close} (the client retries on another replica or after the restart, with the same
 * Idempotency-Key), and only health checks go on.
 */
@Singleton
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class);
    static final String RETRY_AFTER_SECONDS = "1";

    private final byte[] body;
    private volatile long drainFromNanos;
    private volatile boolean stopping;

    Drain(ObjectMapper json) throws JsonProcessingException {
        this.body = json.writeValueAsBytes(Problem.of(503, "service-unavailable", "Service unavailable",
                "This instance is shutting down; retry (with the same Idempotency-Key) in a moment.", null,
                List.of()));
    }

    void stopping(@Observes ShutdownDelayInitiatedEvent event,
            @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay) {
        drainFromNanos = System.nanoTime() + delay.orElse(Duration.ZERO).toNanos();
        stopping = true;
        LOG.infof("Shutting down: new requests are refused with 503 from %s on; requests in flight finish",
                delay.map(d -> "the end of the " + d.toMillis() + " ms shutdown delay").orElse("now"));
    }

    void install(@Observes Router router) {
        // Before every handler that starts work, after the routes that set the headers every response carries.
        router.route().order(RouteConstants.ROUTE_ORDER_HEADERS + 1).handler(this::handle);
    }

    /** Whether new requests are being refused. */
    public boolean draining() {
        return stopping && System.nanoTime() - drainFromNanos >= 0;
    }

    private void handle(RoutingContext request) {
        if (!draining() || request.normalizedPath().startsWith("/q/health")) {
            request.next();
            return;
        }
        request.response().setStatusCode(503)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                .end(Buffer.buffer(body));
    }
}
