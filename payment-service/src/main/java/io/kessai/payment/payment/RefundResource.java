package io.kessai.payment.payment;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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

/** A till's refunds of its store's payments, keyed by the merchant's own {@code merchantRefundId}. */
@Path("/v1/merchant/refunds")
@Tag(name = "merchant payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class RefundResource {

    @Inject
    Refunds refunds;

    @Inject
    Callers callers;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Refund all or part of a completed payment of this till's store to the customer's wallet. "
            + "201 COMPLETED; 202 PENDING when the outcome is not known yet (ask again at Location after "
            + "Retry-After); the same merchantRefundId and body again answers the refund as it is "
            + "(Idempotent-Replayed: true), another body is 409")
    public Uni<Response> refund(@Valid @NotNull RefundRequest request) {
        return refunds.refund(callers.till(), request).map(RefundResource::answer);
    }

    @GET
    @Path("/{merchantRefundId}")
    @Operation(summary = "A refund of this till's store by its merchantRefundId; another store's answers 404")
    public Uni<RefundView> one(@PathParam("merchantRefundId") String merchantRefundId) {
        return refunds.ofTill(callers.till(), merchantRefundId);
    }

    static Response answer(Refunds.Outcome outcome) {
        RefundView refund = outcome.refund();
        if ("FAILED".equals(refund.status()) && !outcome.replayed()) {
            throw PaymentProblem.ofFailure(refund.failure().code(), refund.failure().detail(),
                    PaymentProblem.REFUND_REFUSED);
        }
        return PaymentResource.answer(refund, refund.status(), outcome.replayed(),
                "/v1/merchant/refunds/" + refund.merchantRefundId());
    }
}
