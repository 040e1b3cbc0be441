package io.kessai.tokencache;

import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Remembers the identity of each bearer token quarkus-oidc has verified, until the token expires, so that a caller
 * sending one token many times pays for the signature check once instead of on every request: a service calling the
 * ledger (a quarter of wallet-service's CPU per transfer), a till or a customer's app calling payment-service (13 % of
 * its CPU per payment). Only tokens that passed the full check are remembered, keyed by the exact token text: a
 * forged, altered or expired token is never found here.
 *
 * <p>A remembered identity is answered without running the augmentors again ({@link RememberedBearerMechanism}), so
 * this is right only in a service whose every other augmentor's result follows from the token alone, never from the
 * request (a header, the client's address, the time): each service that uses it tests which augmentors it has.
 */
@ApplicationScoped
@RegisterForReflection
public class VerifiedTokens implements SecurityIdentityAugmentor {

    /** The default of {@code kessai.token-cache.max-tokens}. */
    static final int MAX_TOKENS = 10_000;

    private record Verified(SecurityIdentity identity, long expiresAtMillis) {
    }

    private final Map<String, Verified> byToken = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;
    private final InstantSource clock;
    private final int maxTokens;

    /**
     * @param maxTokens past this many remembered tokens, the expired ones are dropped, and if that frees too little
     *        the cache starts over rather than grow without bound ({@code kessai.token-cache.max-tokens}: about 1 KiB
     *        each; size it to the tokens a replica sees in a token lifetime at its busiest)
     */
    @Inject
    VerifiedTokens(MeterRegistry metrics,
            @ConfigProperty(name = "kessai.token-cache.max-tokens", defaultValue = "" + MAX_TOKENS) int maxTokens) {
        this(metrics, InstantSource.system(), maxTokens);
    }

    /** With the clock that decides expiry given, so that a test can move time instead of waiting for it. */
    VerifiedTokens(MeterRegistry metrics, InstantSource clock, int maxTokens) {
        this.hits = metrics.counter("kessai.token.cache", "outcome", "hit");
        this.misses = metrics.counter("kessai.token.cache", "outcome", "miss");
        this.clock = clock;
        this.maxTokens = maxTokens;
    }

    /** The identity of a token verified before and not yet expired, or null. */
    public SecurityIdentity find(String token) {
        Verified verified = byToken.get(token);
        if (verified == null) {
            misses.increment();
            return null;
        }
        if (clock.millis() >= verified.expiresAtMillis()) {
            byToken.remove(token, verified);
            misses.increment();
            return null;
        }
        hits.increment();
        return verified.identity();
    }

    public boolean remembers(String token) {
        Verified verified = byToken.get(token);
        return verified != null && clock.millis() < verified.expiresAtMillis();
    }

    /** Drops the expired tokens; if a quarter of the room is still not free, starts over. */
    private void makeRoom() {
        long now = clock.millis();
        byToken.values().removeIf(verified -> now >= verified.expiresAtMillis());
        if (byToken.size() >= maxTokens - maxTokens / 4) {
            byToken.clear();
        }
    }

    /** How many tokens are remembered now (expired ones included until they are dropped). */
    int size() {
        return byToken.size();
    }

    /** Runs after every other augmentor, on identities that quarkus-oidc has just verified. */
    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        AccessTokenCredential credential = identity.getCredential(AccessTokenCredential.class);
        // Only an identity whose permissions (the token's scopes, ops access) can all be copied is remembered; any
        // other is checked in full on every request, so a remembered token never answers other than a fresh one.
        if (credential != null && identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getExpirationTime() > 0
                && identity instanceof QuarkusSecurityIdentity verified) {
            if (byToken.size() >= maxTokens) {
                makeRoom();
            }
            // A fresh identity without the request-bound attributes of the one being augmented.
            SecurityIdentity remembered = QuarkusSecurityIdentity.builder().setPrincipal(jwt)
                    .addRoles(identity.getRoles()).addCredential(credential)
                    .addPermissions(verified.getPermissions()).build();
            byToken.put(credential.getToken(), new Verified(remembered, jwt.getExpirationTime() * 1000));
        }
        return Uni.createFrom().item(identity);
    }
}
