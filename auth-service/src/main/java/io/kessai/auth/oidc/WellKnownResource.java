package io.kessai.auth.oidc;

import java.util.List;
import java.util.TreeSet;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.token.AccessTokens;
import io.kessai.auth.token.SigningKeys;
import io.kessai.common.security.Scopes;
import io.smallrye.common.annotation.NonBlocking;

/** OpenID Provider metadata and the JWKS, so any OIDC library can validate Kessai tokens. */
@Path("/.well-known")
@Tag(name = "oidc")
@NonBlocking
public class WellKnownResource {

    /**
     * Keys rotate rarely; a short cache keeps resource servers from hammering us yet lets a new key spread fast. A new
     * key is published longer than this before it signs (SigningKeys checks publish-lead against it).
     */
    private static final String JWKS_CACHE = "public, max-age=" + SigningKeys.JWKS_MAX_AGE.toSeconds();

    private final AuthConfig config;
    private final SigningKeys keys;

    WellKnownResource(AuthConfig config, SigningKeys keys) {
        this.config = config;
        this.keys = keys;
    }

    @GET
    @Path("/openid-configuration")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "OpenID Provider configuration (discovery)")
    public Discovery discovery() {
        String issuer = config.issuer();
        return new Discovery(issuer, issuer + "/.well-known/jwks.json", issuer + "/oauth2/token",
                issuer + "/oauth2/revoke", List.of("client_credentials", "refresh_token"),
                List.of("client_secret_basic", "client_secret_post", "none"), List.of("RS256"), List.of("token"),
                List.of("public"), List.of("sub", "groups", "scope", "iss", "aud", "exp", "iat", "jti", "did", "sid",
                        "amr", "acr", "auth_time"),
                List.of(AccessTokens.ACR_SESSION, AccessTokens.ACR_STEP_UP), List.copyOf(new TreeSet<>(Scopes.KNOWN)));
    }

    @GET
    @Path("/jwks.json")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Public signing keys (JWKS), current and not yet retired")
    public Response jwks() {
        return Response.ok(keys.publishedSet()).header("Cache-Control", JWKS_CACHE).build();
    }

    public record Discovery(
            String issuer,
            @JsonProperty("jwks_uri") String jwksUri,
            @JsonProperty("token_endpoint") String tokenEndpoint,
            @JsonProperty("revocation_endpoint") String revocationEndpoint,
            @JsonProperty("grant_types_supported") List<String> grantTypesSupported,
            @JsonProperty("token_endpoint_auth_methods_supported") List<String> tokenEndpointAuthMethodsSupported,
            @JsonProperty("id_token_signing_alg_values_supported") List<String> signingAlgValuesSupported,
            @JsonProperty("response_types_supported") List<String> responseTypesSupported,
            @JsonProperty("subject_types_supported") List<String> subjectTypesSupported,
            @JsonProperty("claims_supported") List<String> claimsSupported,
            @JsonProperty("acr_values_supported") List<String> acrValuesSupported,
            @JsonProperty("scopes_supported") List<String> scopesSupported) {
    }
}
