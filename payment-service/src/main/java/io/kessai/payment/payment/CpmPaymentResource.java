package io.kessai.payment.payment;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/** A till charges a customer-presented code (the barcode or QR code the customer's app shows, made offline). */
@Path("/v1/cpm-payments")
@Tag(name = "merchant payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class CpmPaymentResource {

    @Inject
    CpmPayments cpm;

    @Inject
    Callers callers;

    @Inject
    PaymentOutcomes outcomes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Charge a customer's payment code: 201 COMPLETED; 202 PENDING when the outcome is not known "
            + "yet (read it at Location after Retry-After); 403 confirm-in-app above the offline limits (the customer "
            + "confirms in the app); a refusal is a problem; a retry under the same Idempotency-Key answers the "
            + "payment as it now is")
    public Uni<Response> pay(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull CpmPaymentRequest request) {
        Callers.Till till = callers.till();
        return outcomes.counted("cpm", () -> cpm.pay(till, key, request)).map(outcome -> {
            PaymentView payment = outcome.payment();
            if ("FAILED".equals(payment.status())) {
                throw PaymentProblem.ofFailure(payment.failure().code(), payment.failure().detail());
            }
            if ("HELD".equals(payment.status())) {
                ProblemException held = PaymentHolds.problem(payment);
                throw held;
            }
            return PaymentResource.answer(payment, payment.status(), outcome.replayed(),
                    "/v1/merchant/payments/" + payment.merchantPaymentId());
        });
    }
}
