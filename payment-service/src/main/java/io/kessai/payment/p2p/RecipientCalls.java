package io.kessai.payment.p2p;

import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;

import io.kessai.payment.PaymentConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * The calls to auth-service's resolve endpoint, behind one timeout, one circuit breaker ({@value #BREAKER}) and one
 * bulkhead of their own, so a slow auth-service stops P2P only, never payments. A 5xx and a timeout count against the
 * breaker; a 4xx is an answer.
 */
@ApplicationScoped
public class RecipientCalls {

    public static final String BREAKER = "auth-resolve";

    private final RecipientApi api;

    RecipientCalls(PaymentConfig config) {
        long millis = config.p2p().authTimeout().toMillis();
        this.api = QuarkusRestClientBuilder.newBuilder().baseUri(config.p2p().authUrl())
                .connectTimeout(millis, TimeUnit.MILLISECONDS).readTimeout(millis, TimeUnit.MILLISECONDS)
                .build(RecipientApi.class);
    }

    /** A server error: auth-service could not answer. */
    static final class ServerError extends RuntimeException {

        ServerError(int status) {
            super("auth-service answered HTTP " + status, null, false, false);
        }
    }

    /** The status and JSON body auth-service answered (below 500). */
    record Answer(int status, JsonObject body) {
    }

    @AsynchronousNonBlocking
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5, delayUnit = ChronoUnit.SECONDS, successThreshold = 2)
    @CircuitBreakerName(BREAKER)
    @Bulkhead(value = 32, waitingTaskQueue = 128)
    Uni<Answer> resolve(String authorization, JsonObject request) {
        return api.resolve(authorization, request).onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(RecipientCalls::answer);
    }

    private static Answer answer(Response response) {
        int status = response.getStatus();
        if (status >= 500) {
            throw new ServerError(status);
        }
        String text = response.hasEntity() ? response.readEntity(String.class) : null;
        JsonObject body;
        try {
            body = text == null || text.isBlank() ? new JsonObject() : new JsonObject(text);
        } catch (RuntimeException e) {
            body = new JsonObject();
        }
        return new Answer(status, body);
    }
}
