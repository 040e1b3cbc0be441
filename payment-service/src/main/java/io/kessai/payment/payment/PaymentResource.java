package io.kessai.payment.payment;

import java.net.URI;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.payment.risk.Actors;
import io.kessai.payment.risk.MoneyMovement;
import io.kessai.payment.risk.Rules;
import io.kessai.payment.security.Callers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The customer's payments: pay a scanned code, read a payment. The payer is the token's subject, never a field.
 */
@Path("/v1/payments")
@Tag(name = "payments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.CUSTOMER)
public class PaymentResource {

    /** When a client should ask again about a pending payment. */
    static final String RETRY_AFTER_PENDING = "2";

    @Inject
    Payments payments;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    PaymentHolds holds;

    @Inject
    SecurityIdentity identity;

    @Inject
    PaymentOutcomes outcomes;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pay a scanned merchant-presented code (with the typed amount for a store's static code). "
            + "201 COMPLETED; 202 PENDING when the outcome is not known yet (ask again at Location after "
            + "Retry-After); a refusal is a problem; a retry under the same Idempotency-Key answers the payment as "
            + "it now is (Idempotent-Replayed: true)")
    public Uni<Response> pay(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull PaymentRequest request) {
        return outcomes.counted("mpm", () -> payments.pay(callers.subject(), actors.of(identity), key, request))
                .map(PaymentResource::answer);
    }

    @GET
    @Operation(summary = "My payments, newest first; a page of limit (1 to kessai.payment.payments.max-page-size, "
            + "default 50) after cursor")
    public Uni<PaymentPage> list(@QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return payments.list(new Payments.Listing(callers.subject(), null, null, null, null, cursor, limit));
    }

    @POST
    @Path("/{id}/confirmation")
    @Operation(summary = "Confirm a payment held for a step-up (a large payment, a new device, a till's offline code "
            + "above its limits) with a fresh step-up token: it is judged again and, allowed, made now (201 "
            + "COMPLETED, 202 PENDING); still held for review or refused, the problem says so; another customer's "
            + "payment answers 404")
    public Uni<Response> confirm(@PathParam("id") UUID id) {
        MoneyMovement.Actor actor = actors.of(identity);
        if (!actor.steppedUp()) {
            throw new ProblemException(403, Rules.STEP_UP_REQUIRED, "Step up required", "Confirm with a step-up "
                    + "token (POST /v1/step-up at auth-service) at most " + actors.stepUpMaxAge().toMinutes()
                    + " min old.");
        }
        return outcomes.counted("confirmation", () -> holds.confirm(callers.subject(), id, actor)
                .map(view -> new Payments.Outcome(view, false))).map(PaymentResource::answer);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of my payments; another customer's answers 404")
    public Uni<PaymentView> one(@PathParam("id") UUID id) {
        return payments.ofCustomer(callers.subject(), id);
    }

    static Response answer(Payments.Outcome outcome) {
        PaymentView payment = outcome.payment();
        if ("FAILED".equals(payment.status())) {
            throw PaymentProblem.ofFailure(payment.failure().code(), payment.failure().detail());
        }
        if ("HELD".equals(payment.status())) {
            throw PaymentHolds.problem(payment);
        }
        return answer(payment, payment.status(), outcome.replayed(), "/v1/payments/" + payment.paymentId());
    }

    /**
     * The answer to a money-moving request, a payment's or a refund's: 201 when it was done now, 200 for a retry
     * ({@code Idempotent-Replayed: true}), and 202 with its {@code location} and {@code Retry-After} while its outcome
     * is not known.
     */
    static Response answer(Object entity, String status, boolean replayed, String location) {
        Response.ResponseBuilder response = "PENDING".equals(status)
                ? Response.accepted(entity).location(URI.create(location)).header("Retry-After", RETRY_AFTER_PENDING)
                : replayed ? Response.ok(entity) : Response.status(201).entity(entity);
        if (replayed) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }
}
