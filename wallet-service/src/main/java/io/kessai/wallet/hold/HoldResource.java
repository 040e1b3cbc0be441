package io.kessai.wallet.hold;

import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Roles;
import io.kessai.common.security.Scopes;
import io.kessai.wallet.ledger.TransferKind;
import io.kessai.wallet.ledger.TransferResource;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Internal two-phase API: reserve money on a wallet, then capture it into a transfer or void it. A capture also needs
 * the scope of the kind it posts; ops may look holds up, never reserve, capture or void.
 */
@Path("/v1/internal/holds")
@Tag(name = "internal")
@Produces(MediaType.APPLICATION_JSON)
public class HoldResource {

    @Inject
    Holds holds;

    @Inject
    SecurityIdentity identity;

    @POST
    @PermissionsAllowed(Scopes.WALLET_HOLDS_WRITE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reserve an amount on a customer wallet until it expires (idempotent on Idempotency-Key)")
    public Uni<Response> reserve(@HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull HoldRequest.Reserve request) {
        return holds.reserve(caller(), key, request).map(reserved -> Response.status(Response.Status.CREATED)
                .entity(reserved.hold()).header("Idempotent-Replayed", reserved.replayed() ? "true" : null).build());
    }

    @GET
    @PermissionsAllowed({Scopes.WALLET_HOLDS_READ, OpsAccess.READ})
    @Operation(summary = "The hold a caller reserved under an idempotency key, as it is now (how a reconciler learns "
            + "an unknown outcome: 404 means it was never reserved and may be retried with the same key)")
    public Uni<HoldView> byKey(@QueryParam("idempotencyKey") String key,
            @Parameter(description = "ops only: whose key (a service's client id); a service always asks about its own") @QueryParam("caller") String caller) {
        TransferResource.requireLookupKey(key, "holds");
        return holds.byKey(identity.hasRole(Roles.OPS) && caller != null ? caller : caller(), key);
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed({Scopes.WALLET_HOLDS_READ, OpsAccess.READ})
    @Operation(summary = "A hold and its state")
    public Uni<HoldView> byId(@PathParam("id") UUID id) {
        return holds.find(caller(), identity.hasRole(Roles.OPS), id);
    }

    @POST
    @Path("/{id}/capture")
    @PermissionsAllowed(Scopes.WALLET_HOLDS_WRITE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Capture all or part of a hold into a transfer; the rest is released. Needs the scope of "
            + "the transfer's kind as well, e.g. wallet:transfers.payment")
    public Uni<Response> capture(@PathParam("id") UUID id, @HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull HoldRequest.Capture request) {
        TransferKind kind = TransferKind.fromWire(request.kindOrDefault()).orElseThrow();
        return TransferResource.requireKind(identity, kind)
                .flatMap(allowed -> holds.capture(caller(), key, id, request)).map(TransferResource::created);
    }

    @POST
    @Path("/{id}/void")
    @PermissionsAllowed(Scopes.WALLET_HOLDS_WRITE)
    @Operation(summary = "Release a hold without moving money (voiding it again answers the same)")
    public Uni<HoldView> voidHold(@PathParam("id") UUID id) {
        return holds.voidHold(caller(), id);
    }

    private String caller() {
        return identity.getPrincipal().getName();
    }
}
