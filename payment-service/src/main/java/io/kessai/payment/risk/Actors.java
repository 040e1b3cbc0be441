package io.kessai.payment.risk;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.kessai.common.security.OperatorStepUp;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is behind a customer's request, read from its verified access token alone (no call to auth-service): the device
 * ({@code did}), when a second factor bound it ({@code device_bound_at}), and whether the token is a fresh step-up
 * ({@code acr=step-up} with an {@code auth_time} at most {@code kessai.payment.risk.step-up-max-age} old).
 */
@ApplicationScoped
public class Actors {

    private final Duration stepUpMaxAge;

    Actors(RiskConfig config) {
        this.stepUpMaxAge = config.stepUpMaxAge();
    }

    /** The customer behind {@code identity}; not offline, no card. */
    public MoneyMovement.Actor of(SecurityIdentity identity) {
        if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
            return MoneyMovement.Actor.UNKNOWN;
        }
        Instant now = Instant.now();
        Instant authTime = seconds(token.getClaim("auth_time"));
        boolean steppedUp = OperatorStepUp.ACR_STEP_UP.equals(String.valueOf((Object) token.getClaim("acr")))
                && authTime != null && !authTime.isBefore(now.minus(stepUpMaxAge))
                && !authTime.isAfter(now.plusSeconds(60));
        Object device = token.getClaim("did");
        return new MoneyMovement.Actor(device == null ? null : text(device), seconds(token.getClaim("device_bound_at")),
                steppedUp, false, null);
    }

    /** How long a step-up token counts as fresh. */
    public Duration stepUpMaxAge() {
        return stepUpMaxAge;
    }

    private static String text(Object claim) {
        return claim instanceof jakarta.json.JsonString json ? json.getString() : claim.toString();
    }

    private static Instant seconds(Object claim) {
        if (claim instanceof Number number) {
            return Instant.ofEpochSecond(number.longValue());
        }
        if (claim instanceof jakarta.json.JsonNumber number) {
            return Instant.ofEpochSecond(number.longValue());
        }
        return null;
    }
}
