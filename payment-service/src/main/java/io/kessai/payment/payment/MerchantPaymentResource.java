package io.kessai.payment.payment;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/** A till's view of its store's payments, by the merchant's own ids. */
@Path("/v1/merchant/payments")
@Tag(name = "merchant payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class MerchantPaymentResource {

    @Inject
    Payments payments;

    @Inject
    Callers callers;

    @GET
    @Path("/{merchantPaymentId}")
    @Operation(summary = "The payment of an order of this till's store, by its merchantPaymentId (PENDING, "
            + "COMPLETED, FAILED, CANCELED); another store's or merchant's answers 404")
    public Uni<PaymentView> byMerchantPaymentId(@PathParam("merchantPaymentId") String merchantPaymentId) {
        Callers.Till till = callers.till();
        return payments.ofMerchant(till.merchantId(), till.storeId(), merchantPaymentId);
    }
}
