package io.kessai.payment.payment;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/**
 * A till's view of its store's payments, by the merchant's own ids, and its cancels. The store is the till token's:
 * another store's or merchant's payment answers 404 like one that does not exist.
 */
@Path("/v1/merchant/payments")
@Tag(name = "merchant payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class MerchantPaymentResource {

    @Inject
    Payments payments;

    @Inject
    Cancels cancels;

    @Inject
    Callers callers;

    @GET
    @Operation(summary = "This till's store's payments, newest first, made in [from, to) when given (ISO-8601 "
            + "instants); a page of limit (1 to kessai.payment.payments.max-page-size, default 50) after cursor")
    public Uni<PaymentPage> list(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Callers.Till till = callers.till();
        return payments.list(new Payments.Listing(null, till.merchantId(), till.storeId(), Instants.parse("from", from),
                Instants.parse("to", to), cursor, limit));
    }

    @GET
    @Path("/{merchantPaymentId}")
    @Operation(summary = "The payment of an order of this till's store, by its merchantPaymentId (PENDING, "
            + "COMPLETED, FAILED, CANCELED); another store's or merchant's answers 404")
    public Uni<PaymentView> byMerchantPaymentId(@PathParam("merchantPaymentId") String merchantPaymentId) {
        Callers.Till till = callers.till();
        return payments.ofMerchant(till.merchantId(), till.storeId(), merchantPaymentId);
    }

    @POST
    @Path("/{merchantPaymentId}/cancel")
    @Operation(summary = "Cancel an order, what a till does when it lost the answer: idempotent; no payment yet "
            + "deletes the order, a completed payment (within kessai.payment.payments.cancel-window, not refunded) "
            + "is reversed in full, a pending one can never complete (cancelSettlement says when the money is known "
            + "to be back)")
    public Uni<Cancels.CancelView> cancel(@PathParam("merchantPaymentId") String merchantPaymentId) {
        return cancels.cancel(callers.till(), merchantPaymentId);
    }
}
