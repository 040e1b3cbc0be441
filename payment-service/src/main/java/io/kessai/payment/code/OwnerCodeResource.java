package io.kessai.payment.code;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.merchant.Merchants;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/**
 * A store's static code for its owner, to print and put on the counter: without a terminal label, since no till
 * shows it. Another owner's merchant answers 404 like one that does not exist; a till uses {@code /v1/store-code}.
 */
@Path("/v1/merchants/{merchantId}/stores/{storeId}/code")
@Tag(name = "codes")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class OwnerCodeResource {

    @Inject
    OrderCodes codes;

    @Inject
    Merchants merchants;

    @Inject
    Callers callers;

    @GET
    @Operation(summary = "A store's static code (the customer types the amount), to print for the counter")
    public Uni<OrderCodes.StoreCode> code(@PathParam("merchantId") UUID merchantId,
            @PathParam("storeId") UUID storeId) {
        return merchants.ofOwner(callers.owner(), merchantId)
                .flatMap(merchant -> codes.storeCode(merchantId, storeId, null));
    }

    @GET
    @Path("/qr.png")
    @Produces({CodeResource.PNG, MediaType.APPLICATION_JSON})
    @Operation(summary = "A store's static code as a PNG")
    public Uni<Response> png(@PathParam("merchantId") UUID merchantId, @PathParam("storeId") UUID storeId,
            @QueryParam("size") Integer size) {
        return code(merchantId, storeId).map(code -> CodeResource.image(code.payload(), size));
    }
}
