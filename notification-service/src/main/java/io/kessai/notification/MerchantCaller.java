package io.kessai.notification;

import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.TillClaims;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The merchant behind a {@code merchant} token: the {@code merchant_id} claim auth-service puts in a till's token
 * (from what payment-service told it the owner holds, never from a request). An owner's session names no merchant
 * (an owner may hold several) and is refused with 403: the merchant's streams and webhooks are for its tills and its
 * systems, which sign in with a till credential.
 */
public final class MerchantCaller {

    private MerchantCaller() {
    }

    public static String of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object claim = jwt.getClaim(TillClaims.MERCHANT_ID);
            String merchant = claim instanceof JsonString text
                    ? text.getString()
                    : claim == null ? null : claim.toString();
            if (merchant != null && !merchant.isBlank()) {
                return merchant;
            }
        }
        throw new ProblemException(403, ProblemCodes.FORBIDDEN, "Forbidden", "A merchant's events are read with a "
                + "till credential's token (client credentials), which names the merchant; an owner's session does "
                + "not.");
    }
}
