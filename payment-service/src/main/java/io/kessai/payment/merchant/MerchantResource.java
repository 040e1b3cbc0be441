package io.kessai.payment.merchant;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/**
 * A merchant owner's applications and merchants. The owner is the token's subject, never a field of the request, and
 * another owner's merchant answers 404 exactly like one that does not exist.
 */
@Path("/v1/merchants")
@Tag(name = "merchants")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class MerchantResource {

    @Inject
    Merchants merchants;

    @Inject
    Callers callers;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Apply for a merchant with its stores; 201 pending_review, or the first answer again for a "
            + "repeated Idempotency-Key (Idempotent-Replayed: true). Ops approve or reject it")
    public Uni<Response> apply(@HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull MerchantApplication application) {
        return merchants.apply(owner(), key, application).map(applied -> applied.replayed()
                ? Response.ok(applied.merchant()).header("Idempotent-Replayed", "true").build()
                : Response.status(201).entity(applied.merchant()).build());
    }

    @GET
    @Operation(summary = "My merchants, oldest first")
    public Uni<List<MerchantView>> mine() {
        return merchants.ofOwner(owner());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of my merchants, with its review state and stores")
    public Uni<MerchantView> one(@PathParam("id") UUID id) {
        return merchants.ofOwner(owner(), id);
    }

    @POST
    @Path("/{id}/stores")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a store to my active merchant: 201, or 200 with the store of that name already there "
            + "(Idempotent-Replayed: true); auth-service learns it, so tills can be made for it")
    public Uni<Response> addStore(@PathParam("id") UUID id, @Valid @NotNull MerchantApplication.Store store) {
        return merchants.addStore(owner(), id, store).map(added -> added.replayed()
                ? Response.ok(added.store()).header("Idempotent-Replayed", "true").build()
                : Response.status(201).entity(added.store()).build());
    }

    @POST
    @Path("/{id}/stores/{storeId}/closure")
    @Operation(summary = "Close a store of my merchant: it takes no payments and makes no codes from now on, and "
            + "its tills get no tokens; closing a closed store answers the merchant as it is")
    public Uni<MerchantView> closeStore(@PathParam("id") UUID id, @PathParam("storeId") UUID storeId) {
        return merchants.closeStore(owner(), id, storeId);
    }

    private String owner() {
        return callers.owner();
    }
}
