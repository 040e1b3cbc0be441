package io.kessai.auth.recipient;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Scopes;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * payment-service finds the recipient of a P2P transfer. Scope {@code auth:users.resolve} only; the number travels in
 * the body, never in the URL, so no access log holds it.
 */
@Path("/v1/internal/users/resolve")
@Tag(name = "internal")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class InternalRecipientResource {

    @Inject
    Recipients recipients;

    @Inject
    SecurityIdentity identity;

    @POST
    @PermissionsAllowed(Scopes.AUTH_USERS_RESOLVE)
    @Operation(summary = "Resolve a phone number to the customer who can receive a transfer: 200 with the user id and "
            + "both parties' masked numbers; 404 recipient-unavailable for every number that cannot receive; 429 "
            + "when this client resolved too many")
    public Uni<ResolveRequest.Resolved> resolve(@Valid @NotNull ResolveRequest request) {
        return recipients.resolve(identity.getPrincipal().getName(), request);
    }
}
