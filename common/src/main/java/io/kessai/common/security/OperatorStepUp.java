package io.kessai.common.security;

import java.time.Duration;
import java.time.Instant;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The guard of ops actions that move money: a person with role {@code ops} (an operator: an account auth-service's
 * {@code kessai.auth.operators} names, signed in with a second factor and a device key) who has just passed a second
 * factor again, that is a step-up token ({@code acr=step-up}) whose {@code auth_time} is recent. A client's token
 * (the ops console's included) has no session and no step-up, so it never passes.
 */
public final class OperatorStepUp {

    /** The step-up token's {@code acr}, as auth-service issues it. */
    public static final String ACR_STEP_UP = "step-up";

    /** Who acted: the operator's user id and the sign-in session the step-up belongs to. */
    public record Operator(String userId, String sessionId) {
    }

    private OperatorStepUp() {
    }

    /** The operator, or 403 {@code forbidden} without role ops and 403 {@code step-up-required} without a fresh step-up. */
    public static Operator require(SecurityIdentity identity, Duration maxAge, Duration clockSkew, Instant now) {
        if (!identity.hasRole(Roles.OPS)) {
            throw new ProblemException(403, ProblemCodes.FORBIDDEN, "Forbidden", "This needs an operator (role ops).");
        }
        if (!(identity.getPrincipal() instanceof JsonWebToken token) || token.getClaim("sid") == null
                || !ACR_STEP_UP.equals(token.getClaim("acr")) || !(token.getClaim("auth_time") instanceof Number at)) {
            throw stepUpRequired(maxAge);
        }
        Instant authTime = Instant.ofEpochSecond(at.longValue());
        if (authTime.isBefore(now.minus(maxAge)) || authTime.isAfter(now.plus(clockSkew))) {
            throw stepUpRequired(maxAge);
        }
        return new Operator(token.getSubject(), String.valueOf((Object) token.getClaim("sid")));
    }

    private static ProblemException stepUpRequired(Duration maxAge) {
        return new ProblemException(403, "step-up-required", "Step-up required", "An operator must pass a second "
                + "factor again (POST /v1/step-up at auth-service) within " + maxAge.toSeconds() + " s before this, "
                + "and send the step-up token.");
    }
}
