package io.kessai.payment.payment;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.payment.merchant.Merchants;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/** A merchant owner's view of all its stores' payments. Another owner's merchant answers 404. */
@Path("/v1/merchants/{merchantId}/payments")
@Tag(name = "merchant payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class OwnerPaymentResource {

    @Inject
    Payments payments;

    @Inject
    Merchants merchants;

    @Inject
    Callers callers;

    @GET
    @Operation(summary = "The merchant's payments, newest first, of one store when storeId is given, made in [from, "
            + "to) when given (ISO-8601 instants); a page of limit (1 to kessai.payment.payments.max-page-size, "
            + "default 50) after cursor")
    public Uni<PaymentPage> list(@PathParam("merchantId") UUID merchantId, @QueryParam("storeId") String storeId,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("cursor") String cursor,
            @QueryParam("limit") Integer limit) {
        Payments.Listing listing = new Payments.Listing(null, merchantId, store(storeId), Instants.parse("from", from),
                Instants.parse("to", to), cursor, limit);
        return merchants.ofOwner(callers.owner(), merchantId).flatMap(merchant -> payments.list(listing));
    }

    private static UUID store(String storeId) {
        try {
            return storeId == null || storeId.isEmpty() ? null : UUID.fromString(storeId);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidField("storeId", "must be a store id (a UUID)");
        }
    }
}
