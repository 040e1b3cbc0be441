package io.kessai.auth.oidc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.SortedSet;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.kessai.auth.device.DeviceProofs;
import io.kessai.auth.device.DpopVerifier;
import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.till.TillCredentials;
import io.kessai.auth.token.AccessTokens;
import io.kessai.common.problem.ProblemException;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * The OAuth 2.0 token and revocation endpoints. It speaks RFC 6749 (including its error format) rather than problem details, because
 * OAuth client libraries parse that format. Wrong client secrets are limited per client and per address (429
 * {@code too_many_requests} with Retry-After) and audited.
 */
@Path("/oauth2")
@Tag(name = "oidc")
@NonBlocking
public class TokenResource {

    private final AccessTokens tokens;
    private final Sessions sessions;
    private final ClientAuthentication authentication;
    private final ClientAddress clientAddress;
    private final DeviceProofs proofs;
    private final TillCredentials tills;

    @Context
    HttpServerRequest http;

    TokenResource(AccessTokens tokens, Sessions sessions, ClientAuthentication authentication,
            ClientAddress clientAddress, DeviceProofs proofs, TillCredentials tills) {
        this.proofs = proofs;
        this.tills = tills;
        this.tokens = tokens;
        this.sessions = sessions;
        this.authentication = authentication;
        this.clientAddress = clientAddress;
    }

    @POST
    @Path("/token")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Client-credentials grant for service clients (their scopes, or fewer if scope names them) "
            + "and for till credentials (client id till-<id>: role merchant with merchant_id, store_id, terminal_id); "
            + "refresh-token grant for the customer app (rotates the refresh token)")
    public Uni<Response> token(@RestForm("grant_type") String grantType, @RestForm("client_id") String formClientId,
            @RestForm("client_secret") String formSecret, @RestForm("refresh_token") String refreshToken,
            @RestForm("scope") String scope, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(DeviceProofs.PROOF_HEADER) String dpop) {
        if ("refresh_token".equals(grantType)) {
            return refresh(refreshToken, dpop);
        }
        return clientCredentials(grantType, formClientId, formSecret, scope, authorization);
    }

    /**
     * The customer app is a public client (RFC 6749 §2.1): its credential is the refresh token together with a proof
     * of the device key the token is bound to (RFC 9449 §5), so a copied token is worth nothing off the device.
     */
    private Uni<Response> refresh(String refreshToken, String dpop) {
        if (refreshToken == null || refreshToken.isBlank()) {
            return Uni.createFrom().item(error(400, "invalid_request", "refresh_token is required."));
        }
        DpopVerifier.Proof proof;
        try {
            proof = proofs.verifyIfPresent(dpop, "POST", "/oauth2/token");
        } catch (ProblemException refused) {
            return Uni.createFrom().item(dpopError(refused));
        }
        String address = clientAddress.of(http);
        return proofs.spend(proof)
                .flatMap(spent -> sessions.refresh(refreshToken, address, spent))
                .map(tokens -> noStore(Response.ok(new RefreshResponse(tokens.accessToken(), "Bearer",
                        tokens.expiresIn(), tokens.refreshToken(), tokens.refreshExpiresIn()))))
                .onFailure(DpopVerifier::refusedProof).recoverWithItem(TokenResource::dpopError)
                .onFailure(Sessions.RefreshRefused.class).recoverWithItem(refused -> ((Sessions.RefreshRefused) refused)
                        .proofMissing()
                                ? error(400, "invalid_dpop_proof", "This refresh token is bound to a device key: "
                                        + "send a DPoP proof of it.")
                                : error(400, "invalid_grant", "The refresh token is invalid, expired, revoked, was "
                                        + "used before, or belongs to another device key."));
    }

    /** A refused device proof in OAuth's words (RFC 9449 §7.1, §8): {@code invalid_dpop_proof} or {@code use_dpop_nonce}. */
    private static Response dpopError(Throwable refused) {
        return error(400, ((ProblemException) refused).code().replace('-', '_'), refused.getMessage());
    }

    @POST
    @Path("/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "Sign out with a refresh token (RFC 7009): its whole family ends; always 200")
    public Uni<Response> revoke(@RestForm("token") String token) {
        return sessions.revokeByToken(token, clientAddress.of(http))
                .map(done -> noStore(Response.ok()));
    }

    private Uni<Response> clientCredentials(String grantType, String formClientId, String formSecret, String scope,
            String authorization) {
        Optional<String[]> basic = basicCredentials(authorization);
        if (basic.isEmpty() && authorization != null) {
            return answer(error(401, "invalid_client", "Unsupported or malformed client authentication."));
        }
        if (basic.isPresent() && (formClientId != null || formSecret != null)) {
            // RFC 6749 §2.3: a client must not use more than one authentication method per request.
            return answer(error(400, "invalid_request", "Authenticate with HTTP Basic or with form fields, not both."));
        }
        String clientId = basic.map(c -> c[0]).orElse(formClientId);
        String secret = basic.map(c -> c[1]).orElse(formSecret);
        if (clientId == null || secret == null) {
            return answer(error(401, "invalid_client", "Client authentication is required."));
        }
        String address = clientAddress.of(http);
        return authentication.authenticate(clientId, secret, address).flatMap(outcome -> switch (outcome) {
            case ClientAuthentication.Throttled throttled -> answer(throttled(throttled.retryAfterSeconds()));
            case ClientAuthentication.Refused refused -> answer(refused());
            case ClientAuthentication.Authenticated authenticated ->
                answer(granted(grantType, authenticated.client(), scope));
            case ClientAuthentication.TillAuthenticated till -> tillGranted(grantType, till.till(), scope, address);
        });
    }

    private static Response refused() {
        return error(401, "invalid_client", "Unknown client or wrong secret.");
    }

    /**
     * A till's token, if its merchant, store and owner may still take payments. A till whose secret is right but which
     * may not is told no more than a wrong secret would tell it (the audit log says why): the till cannot fix it, and
     * the owner sees it in their list and in payment-service.
     */
    private Uni<Response> tillGranted(String grantType, TillCredentials.Credential till, String scope,
            String address) {
        Optional<Response> invalid = invalidGrant(grantType);
        if (invalid.isPresent()) {
            return answer(invalid.get());
        }
        if (scope != null && !scope.isBlank()) {
            return answer(error(400, "invalid_scope", "A till's token carries no scopes; send none."));
        }
        if (till.refusal() != null) {
            return tills.recordToken(till, address).replaceWith(TokenResource::refused);
        }
        AccessTokens.IssuedToken token = tokens.issueForTill(till.tillId(), till.merchantId(), till.storeId(),
                till.terminalId());
        return tills.recordToken(till, address).replaceWith(() -> noStore(Response.ok(new TokenResponse(
                token.value(), "Bearer", token.expiresInSeconds(), null))));
    }

    private static Optional<Response> invalidGrant(String grantType) {
        if (grantType == null || grantType.isBlank()) {
            return Optional.of(error(400, "invalid_request", "grant_type is required."));
        }
        if (!"client_credentials".equals(grantType)) {
            return Optional.of(error(400, "unsupported_grant_type",
                    "Only the client_credentials grant is supported here."));
        }
        return Optional.empty();
    }

    private Response granted(String grantType, ServiceClients.Client client, String scope) {
        Optional<Response> invalid = invalidGrant(grantType);
        if (invalid.isPresent()) {
            return invalid.get();
        }
        Optional<SortedSet<String>> scopes = ServiceClients.scopesFor(client, scope);
        if (scopes.isEmpty()) {
            return error(400, "invalid_scope", "scope names a scope this client does not hold; it may only narrow "
                    + "the client's scopes: " + String.join(" ", client.scopes()));
        }
        AccessTokens.IssuedToken token = tokens.issue(client.id(), client.roles(), scopes.get());
        String granted = scopes.get().isEmpty() ? null : String.join(" ", scopes.get());
        return noStore(Response.ok(new TokenResponse(token.value(), "Bearer", token.expiresInSeconds(), granted)));
    }

    /** HTTP Basic client credentials, each form-urlencoded as RFC 6749 §2.3.1 requires. */
    private static Optional<String[]> basicCredentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0
                    ? Optional.empty()
                    : Optional.of(new String[]{formDecode(decoded.substring(0, colon)),
                            formDecode(decoded.substring(colon + 1))});
        } catch (IllegalArgumentException notBase64OrBadEscape) {
            return Optional.empty();
        }
    }

    private static String formDecode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static Uni<Response> answer(Response response) {
        return Uni.createFrom().item(response);
    }

    /** 429 in RFC 6749's error shape: OAuth client libraries read {@code error}, and retry after Retry-After. */
    private static Response throttled(String retryAfter) {
        return noStore(Response.status(429).header("Retry-After", retryAfter).entity(new TokenError(
                "too_many_requests", "Too many failed client authentications for this client or from this address; "
                        + "try again in " + retryAfter + " s.")));
    }

    private static Response error(int status, String error, String description) {
        Response.ResponseBuilder response = Response.status(status).entity(new TokenError(error, description));
        if (status == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"kessai\"");
        }
        return noStore(response);
    }

    private static Response noStore(Response.ResponseBuilder response) {
        return response.type(MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").header("Pragma",
                "no-cache").build();
    }

    /** {@code scope} is always sent when the token has any (RFC 6749 §5.1), so a client sees what it got. */
    public record TokenResponse(
            @JsonProperty("access_token") String accessToken,
            @JsonProperty("token_type") String tokenType,
            @JsonProperty("expires_in") long expiresIn,
            @JsonInclude(JsonInclude.Include.NON_NULL) String scope) {
    }

    public record RefreshResponse(
            @JsonProperty("access_token") String accessToken,
            @JsonProperty("token_type") String tokenType,
            @JsonProperty("expires_in") long expiresIn,
            @JsonProperty("refresh_token") String refreshToken,
            @JsonProperty("refresh_expires_in") long refreshExpiresIn) {
    }

    public record TokenError(String error, @JsonProperty("error_description") String errorDescription) {
    }
}
