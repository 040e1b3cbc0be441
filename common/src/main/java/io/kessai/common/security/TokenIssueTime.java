package io.kessai.common.security;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.jwt.consumer.Validator;

import io.quarkus.arc.Unremovable;

/**
 * Refuses a bearer token that says it was issued ({@code iat}) or becomes valid ({@code nbf}) later than now plus a
 * small clock skew ({@code kessai.token.clock-skew}). quarkus-oidc checks {@code exp} and {@code nbf} but accepts any
 * {@code iat} in the future (its {@code token.age} setting bounds only the past), and auth-service never issues one:
 * such a token was minted with a stolen key or by a broken clock, and refusing it keeps "issued at" meaningful for
 * every check that relies on it.
 *
 * <p>quarkus-oidc runs every {@link Validator} bean on every token it verifies. auth-service, which has no
 * quarkus-oidc, registers it with its own token check ({@code BearerAuthentication}).
 */
@Unremovable
@ApplicationScoped
public class TokenIssueTime implements Validator {

    private final long skewSeconds;

    TokenIssueTime(@ConfigProperty(name = "kessai.token.clock-skew", defaultValue = "30S") Duration skew) {
        this.skewSeconds = skew.toSeconds();
    }

    @Override
    public String validate(JwtContext context) throws MalformedClaimException {
        JwtClaims claims = context.getJwtClaims();
        long latestAllowed = Instant.now().getEpochSecond() + skewSeconds;
        String refused = later("iat", claims.getIssuedAt(), latestAllowed);
        return refused != null ? refused : later("nbf", claims.getNotBefore(), latestAllowed);
    }

    private String later(String claim, NumericDate time, long latestAllowedSeconds) {
        if (time != null && time.getValue() > latestAllowedSeconds) {
            return "The " + claim + " claim (" + time.getValue() + ") is more than " + skewSeconds
                    + " s in the future";
        }
        return null;
    }
}
