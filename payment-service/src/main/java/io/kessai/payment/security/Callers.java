package io.kessai.payment.security;

import java.util.UUID;

import jakarta.enterprise.context.RequestScoped;
import jakarta.json.JsonString;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.TillClaims;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is calling a merchant endpoint. Both a merchant owner's session and a till carry role {@code merchant}; a till's
 * token also names the merchant, store and terminal it acts for (claims set by auth-service from what this service
 * told it, {@link TillClaims}), an owner's names none. Owner endpoints refuse tills and till endpoints refuse owners
 * with 403: a till taken from the counter cannot apply for merchants or mint credentials, and an owner's phone is no
 * till.
 */
@RequestScoped
public class Callers {

    /** A till: the merchant, store and terminal its token names. */
    public record Till(String tillId, UUID merchantId, UUID storeId, String terminalId) {
    }

    private final SecurityIdentity identity;

    Callers(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The token's subject: a customer's or an owner's user id, a till's id. */
    public String subject() {
        return identity.getPrincipal().getName();
    }

    /** The merchant owner behind a session token; 403 for a till. */
    public String owner() {
        if (claim(TillClaims.MERCHANT_ID) != null) {
            throw forbidden("A till's token cannot manage merchants; sign in as the merchant's owner.");
        }
        return subject();
    }

    /** The till behind a till token; 403 for an owner's session. */
    public Till till() {
        String merchant = claim(TillClaims.MERCHANT_ID);
        String store = claim(TillClaims.STORE_ID);
        String terminal = claim(TillClaims.TERMINAL_ID);
        if (merchant == null || store == null || terminal == null) {
            throw forbidden("This endpoint is for tills: use a till credential's token (client credentials).");
        }
        try {
            return new Till(subject(), UUID.fromString(merchant), UUID.fromString(store), terminal);
        } catch (IllegalArgumentException e) {
            throw forbidden("This till token names no valid merchant or store.");
        }
    }

    private String claim(String name) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object value = jwt.getClaim(name);
            if (value instanceof JsonString text) {
                return text.getString();
            }
            return value == null ? null : value.toString();
        }
        return null;
    }

    private static ProblemException forbidden(String detail) {
        return new ProblemException(403, ProblemCodes.FORBIDDEN, "Forbidden", detail);
    }
}
