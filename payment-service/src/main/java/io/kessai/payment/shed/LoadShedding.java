package io.kessai.payment.shed;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.kessai.common.problem.Problem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Takes on a request only while its {@link EndpointClass} has room ({@link InFlight}), and refuses it at once
 * otherwise: 503 {@code overloaded} with {@code Retry-After}, before authentication, before its body is read and before
 * anything is started for it. The place is given back exactly once when the response is done or the client went away,
 * whichever comes first (Vert.x Web's end handlers run on both).
 *
 * <p>Metrics: {@code kessai_payment_shed_requests_total{class}} counts refusals, {@code
 * kessai_payment_requests_in_flight{class}} shows the places taken.
 */
@Singleton
public class LoadShedding {

    /**
     * The request-context local from which quarkus-micrometer's HTTP server binder takes the {@code uri} label (Quarkus
     * REST puts the matched resource's template there).
     */
    static final String URL_PATH_TEMPLATE = "UrlPathTemplate";

    /** The problem code of a shed request; the class is named in the problem's {@code class} member. */
    public static final String PROBLEM_CODE = "overloaded";

    private final SheddingConfig config;
    private final InFlight inFlight;
    private final String retryAfterSeconds;
    private final Map<EndpointClass, Counter> shed = new EnumMap<>(EndpointClass.class);
    private final Map<EndpointClass, AtomicLong> lastShedNanos = new EnumMap<>(EndpointClass.class);
    private final Map<EndpointClass, Buffer> problems = new EnumMap<>(EndpointClass.class);
    private final Map<EndpointClass, String> uriLabels = new EnumMap<>(EndpointClass.class);

    LoadShedding(SheddingConfig config, MeterRegistry metrics, ObjectMapper json) throws JsonProcessingException {
        this.config = config;
        this.inFlight = new InFlight(config);
        long retryAfter = Math.max(1, (config.retryAfter().toMillis() + 999) / 1000);
        this.retryAfterSeconds = Long.toString(retryAfter);
        for (EndpointClass endpointClass : EndpointClass.values()) {
            String label = endpointClass.label();
            shed.put(endpointClass, Counter.builder("kessai.payment.shed.requests").tag("class", label)
                    .description("Requests refused at once because their endpoint class had no room")
                    .register(metrics));
            Gauge.builder("kessai.payment.requests.in.flight", inFlight, f -> f.inFlight(endpointClass))
                    .tag("class", label).description("Requests being served, by endpoint class").register(metrics);
            lastShedNanos.put(endpointClass, new AtomicLong(Long.MIN_VALUE));
            uriLabels.put(endpointClass, "SHED_" + label.toUpperCase(Locale.ROOT));
            // Written once per class (hence no instance member): under overload a refusal serializes nothing.
            ObjectNode problem = json.valueToTree(Problem.of(503, PROBLEM_CODE, "Overloaded",
                    "The service is as busy as it may be with requests of class " + label + "; retry in " + retryAfter
                            + " s" + (endpointClass == EndpointClass.PAYMENTS
                                    ? " under the same Idempotency-Key: nothing was started."
                                    : ": nothing was started."),
                    null, List.of()));
            problem.put("class", label);
            problems.put(endpointClass, Buffer.buffer(json.writeValueAsBytes(problem)));
        }
    }

    void install(@Observes Router router) {
        // Before every handler that starts work or reads a body, after the routes that set the headers every response
        // carries; next to Drain, which refuses everything while the service stops.
        router.route().order(RouteConstants.ROUTE_ORDER_HEADERS + 1).handler(this::admit);
    }

    private void admit(RoutingContext ctx) {
        Optional<EndpointClass> classified = config.enabled()
                ? EndpointClass.of(ctx.request().method(), ctx.normalizedPath())
                : Optional.empty();
        if (classified.isEmpty()) {
            ctx.next();
            return;
        }
        EndpointClass endpointClass = classified.get();
        if (!inFlight.tryAcquire(endpointClass)) {
            refuse(ctx, endpointClass);
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        ctx.addEndHandler(done -> {
            if (released.compareAndSet(false, true)) {
                inFlight.release(endpointClass);
            }
        });
        ctx.next();
    }

    private void refuse(RoutingContext ctx, EndpointClass endpointClass) {
        shed.get(endpointClass).increment();
        lastShedNanos.get(endpointClass).set(System.nanoTime());
        HttpServerRequest request = ctx.request();
        // Refused before routing, the request has no route template, and the HTTP server metrics would label it with
        // its raw path: one series per payment id read while shedding. The template Quarkus REST would have set is
        // replaced by the class (exported as uri="/SHED_READS" and so on), as Quarkus labels unmatched requests NOT_FOUND.
        if (request instanceof HttpServerRequestInternal internal) {
            internal.context().putLocal(URL_PATH_TEMPLATE, uriLabels.get(endpointClass));
        }
        HttpServerResponse response = ctx.response().setStatusCode(503)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        if (hasBody(request) && request.version() != HttpVersion.HTTP_2) {
            // The body is not read; on HTTP/1.x the connection closes after the answer rather than carry it over.
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        response.end(problems.get(endpointClass));
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.trim().equals("0");
        }
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    /** Whether a request of this class was refused within the last {@code window}. */
    public boolean shedWithin(EndpointClass endpointClass, Duration window) {
        long last = lastShedNanos.get(endpointClass).get();
        return last != Long.MIN_VALUE && System.nanoTime() - last <= window.toNanos();
    }

    /** Requests of this class being served now. */
    public int inFlight(EndpointClass endpointClass) {
        return inFlight.inFlight(endpointClass);
    }
}
