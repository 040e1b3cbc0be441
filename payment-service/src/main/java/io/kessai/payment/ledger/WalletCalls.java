package io.kessai.payment.ledger;

import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The calls to wallet-service, each behind one timeout, one circuit breaker ({@value #BREAKER}) and one bulkhead
 * (settings in docs/payments.md; MicroProfile Fault Tolerance's {@code <class>/<method>/<policy>/<key>} keys override
 * them). A 5xx and a timeout count against the breaker; a 4xx is an answer, never a failure: a refused payment is not
 * a sick wallet-service.
 */
@ApplicationScoped
public class WalletCalls {

    /** The breaker's name, which {@code GET /v1/status} reads. */
    public static final String BREAKER = "wallet";

    private final WalletApi api;

    WalletCalls(PaymentConfig config) {
        long millis = config.wallet().timeout().toMillis();
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(config.wallet().url())
                .connectTimeout(millis, TimeUnit.MILLISECONDS)
                .readTimeout(millis, TimeUnit.MILLISECONDS)
                .build(WalletApi.class);
    }

    /** A server error: wallet-service may or may not have posted. */
    static final class ServerError extends RuntimeException {

        ServerError(int status) {
            super("wallet-service answered HTTP " + status, null, false, false);
        }
    }

    /**
     * Makes one call to wallet-service through the breaker: every call shares it, since they share the one
     * wallet-service whose health it measures.
     */
    @AsynchronousNonBlocking
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5, delayUnit = ChronoUnit.SECONDS, successThreshold = 2)
    @CircuitBreakerName(BREAKER)
    @Bulkhead(value = 64, waitingTaskQueue = 512)
    public Uni<WalletAnswer> call(Function<WalletApi, Uni<Response>> request) {
        return answer(request.apply(api));
    }

    private static Uni<WalletAnswer> answer(Uni<Response> call) {
        return call.onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> {
                    int status = response.getStatus();
                    if (status >= 500) {
                        throw new ServerError(status);
                    }
                    String text = response.hasEntity() ? response.readEntity(String.class) : null;
                    Object json = text == null || text.isBlank() ? null : Json.decodeValue(text);
                    JsonObject body = json instanceof JsonObject object
                            ? object
                            : new JsonObject().put("items", json);
                    return new WalletAnswer(status, body);
                });
    }
}
