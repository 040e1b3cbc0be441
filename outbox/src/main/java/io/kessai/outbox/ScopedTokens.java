package io.kessai.outbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.oidc.client.Tokens;
import io.smallrye.mutiny.Uni;

/**
 * This service's client-credentials tokens from auth-service, one per set of scopes, each cached until shortly
 * before it expires. Least privilege per call: a token handed to notification-service carries only
 * {@code notification:events.send}, one for wallet-service only the wallet scopes the caller names. Concurrent callers
 * that find no valid token share one request for it, so a burst of payments after a restart asks auth-service once
 * ({@link TokenEndpoint}: timeout, breaker and bulkhead).
 */
@ApplicationScoped
public class ScopedTokens {

    private final TokenEndpoint endpoint;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ScopedTokens(TokenEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** An access token carrying exactly {@code scope} (space-separated scopes). */
    public Uni<String> token(String scope) {
        return cache.computeIfAbsent(scope, Cached::new).get().map(Tokens::getAccessToken);
    }

    /** Drops the cached token for {@code scope}, after a destination refused it (401/403): the next call asks anew. */
    public void forget(String scope) {
        Cached cached = cache.get(scope);
        if (cached != null) {
            cached.clear();
        }
    }

    private final class Cached {

        private final String scope;
        private Tokens tokens;
        private Uni<Tokens> inFlight;

        Cached(String scope) {
            this.scope = scope;
        }

        synchronized Uni<Tokens> get() {
            if (tokens != null && !tokens.isAccessTokenWithinRefreshInterval() && !tokens.isAccessTokenExpired()) {
                return Uni.createFrom().item(tokens);
            }
            if (inFlight == null) {
                inFlight = endpoint.tokens(scope)
                        .invoke(this::done)
                        .onFailure().invoke(this::failed)
                        .memoize().indefinitely();
            }
            return inFlight;
        }

        private synchronized void done(Tokens fresh) {
            tokens = fresh;
            inFlight = null;
        }

        private synchronized void failed(Throwable failure) {
            inFlight = null;
        }

        synchronized void clear() {
            tokens = null;
        }
    }
}
