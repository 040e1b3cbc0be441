package io.kessai.outbox;

import java.time.temporal.ChronoUnit;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;

import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.Tokens;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;

/**
 * The one outbound call to auth-service's token endpoint, guarded as every outbound call is: a timeout (a hanging
 * issuer must not hold a payment or a relay pass), a circuit breaker named {@value #BREAKER} (an issuer that keeps
 * failing is not asked again for a few seconds; callers get the failure at once) and a bulkhead. Tokens are cached
 * ({@link ScopedTokens}), so this runs a few times an hour per scope set, not per request; when it fails, callers
 * know nothing was sent with the token.
 */
@ApplicationScoped
public class TokenEndpoint {

    /** The breaker's name, for {@code CircuitBreakerMaintenance} (status pages) and MicroProfile FT config. */
    public static final String BREAKER = "token-endpoint";

    private final OidcClient client;

    TokenEndpoint(OidcClient client) {
        this.client = client;
    }

    @AsynchronousNonBlocking
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.75, delay = 5, delayUnit = ChronoUnit.SECONDS)
    @CircuitBreakerName(BREAKER)
    @Bulkhead(value = 4, waitingTaskQueue = 64)
    public Uni<Tokens> tokens(String scope) {
        return client.getTokens(Map.of("scope", scope));
    }
}
