package io.kessai.auth.security;

import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.lang.JoseException;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.token.AccessTokens;
import io.kessai.auth.token.SigningKeys;
import io.kessai.common.security.Roles;
import io.kessai.common.security.TokenIssueTime;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Bearer tokens on auth-service's own endpoints (a user's factors and devices, step-up, ops, the internal calls of
 * the other services). auth-service issued them, so it checks them in process against the keys it publishes, with the
 * same rules as every resource server: RS256 only, a published {@code kid}, our issuer and audience, not expired (30 s
 * skew), with a subject and a {@code jti}. A request without a token stays anonymous (the endpoint's role check answers
 * 401); a bad token fails at once. A service token's scopes become permissions, as quarkus-oidc makes them at the
 * other services, so internal endpoints name their scope with {@code @PermissionsAllowed}.
 */
@ApplicationScoped
public class BearerAuthentication implements HttpAuthenticationMechanism {

    private static final String BEARER = "bearer ";

    private record Verifier(String publishedSet, JwtConsumer consumer) {
    }

    private final AuthConfig config;
    private final SigningKeys keys;
    private final TokenIssueTime issueTime;
    private volatile Verifier verifier;

    BearerAuthentication(AuthConfig config, SigningKeys keys, TokenIssueTime issueTime) {
        this.config = config;
        this.keys = keys;
        this.issueTime = issueTime;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String header = context.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().nullItem();
        }
        try {
            return Uni.createFrom().item(identityOf(header.substring(BEARER.length()).trim()));
        } catch (AuthenticationFailedException e) {
            return Uni.createFrom().failure(e);
        }
    }

    /** The identity a valid access token carries; {@link AuthenticationFailedException} for any other token. */
    public SecurityIdentity identityOf(String token) {
        try {
            JwtClaims claims = verifier().consumer().processToClaims(token);
            Set<String> roles = Set.copyOf(claims.hasClaim("groups")
                    ? claims.getStringListClaimValue("groups")
                    : List.of());
            QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(claims.getSubject()))
                    .addRoles(roles)
                    .addAttribute(Caller.CLAIMS, claims);
            // auth-service puts scopes only into service clients' tokens; a scope on any other is not honoured.
            String scope = claims.getClaimValueAsString(AccessTokens.SCOPE);
            if (roles.contains(Roles.SERVICE) && scope != null && !scope.isBlank()) {
                identity.addPermissionsAsString(Set.of(scope.trim().split(" +")));
            }
            return identity.build();
        } catch (InvalidJwtException | MalformedClaimException e) {
            throw new AuthenticationFailedException("invalid bearer token", e);
        }
    }

    /** Rebuilt only when the published key set changes (a rotation), so a check costs one signature verification. */
    private Verifier verifier() {
        String published = keys.publishedSet();
        Verifier current = verifier;
        if (current != null && current.publishedSet() == published) {
            return current;
        }
        try {
            JwtConsumer consumer = new JwtConsumerBuilder()
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                            AlgorithmIdentifiers.RSA_USING_SHA256)
                    .setVerificationKeyResolver(new JwksVerificationKeyResolver(
                            new JsonWebKeySet(published).getJsonWebKeys()))
                    .setExpectedIssuer(config.issuer())
                    .setExpectedAudience(config.audience())
                    .setRequireExpirationTime()
                    .setRequireSubject()
                    .setRequireJwtId()
                    .setAllowedClockSkewInSeconds(30)
                    // No iat or nbf beyond the clock skew, as at every resource server.
                    .registerValidator(issueTime)
                    .build();
            Verifier rebuilt = new Verifier(published, consumer);
            verifier = rebuilt;
            return rebuilt;
        } catch (JoseException e) {
            throw new IllegalStateException("the published key set does not parse", e);
        }
    }

    /** No challenge here: the 401 problem (with WWW-Authenticate: Bearer) comes from the common exception mappers. */
    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }
}
