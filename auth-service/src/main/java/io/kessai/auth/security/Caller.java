package io.kessai.auth.security;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;

import io.kessai.auth.token.AccessTokens;
import io.kessai.common.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The verified claims of a signed-in user's access token (a customer's or a merchant owner's session), read the same
 * way by every endpoint.
 */
public record Caller(UUID userId, String deviceId, UUID sessionId, String acr, Instant authTime, List<String> amr) {

    static final String CLAIMS = "kessai.claims";

    /**
     * The signed-in user behind a session token (the endpoint has already required the role). A token of no sign-in,
     * such as a till's (role {@code merchant} too, but no {@code sid}) or a service's, is 403: only a person who
     * passed the second factor reaches a user's endpoints.
     */
    public static Caller of(SecurityIdentity identity) {
        JwtClaims claims = identity.getAttribute(CLAIMS);
        try {
            String sid = claims.getClaimValueAsString(AccessTokens.SESSION_ID);
            Object authTime = claims.getClaimValue(AccessTokens.AUTH_TIME);
            if (sid == null) {
                throw notASession();
            }
            return new Caller(UUID.fromString(claims.getSubject()),
                    claims.getClaimValueAsString(AccessTokens.DEVICE_ID),
                    UUID.fromString(sid),
                    claims.getClaimValueAsString(AccessTokens.ACR),
                    authTime instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue()) : null,
                    claims.hasClaim(AccessTokens.AMR) ? claims.getStringListClaimValue(AccessTokens.AMR) : List.of());
        } catch (MalformedClaimException | IllegalArgumentException e) {
            throw notASession();
        }
    }

    private static ProblemException notASession() {
        return new ProblemException(403, "forbidden", "Forbidden", "This token is not a signed-in user's session.");
    }

    /**
     * Risky changes (second factors, email) need a step-up token whose second factor is at most {@code maxAge} old:
     * a stolen session alone cannot add an attacker's authenticator or remove the owner's.
     */
    public Caller requireStepUp(Duration maxAge) {
        if (!AccessTokens.ACR_STEP_UP.equals(acr) || authTime == null
                || authTime.isBefore(Instant.now().minus(maxAge))) {
            throw new ProblemException(403, "step-up-required", "Step-up required",
                    "This change needs a fresh second factor: get a step-up token from POST /v1/step-up first.");
        }
        return this;
    }
}
