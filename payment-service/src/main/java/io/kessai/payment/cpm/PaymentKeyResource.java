package io.kessai.payment.cpm;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
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

/** The customer's payment keys: issue one to this device (with a fresh step-up), list them, revoke one. */
@Path("/v1/payment-keys")
@Tag(name = "payment keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.CUSTOMER)
public class PaymentKeyResource {

    @Inject
    PaymentKeys keys;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    SecurityIdentity identity;

    @POST
    @Operation(summary = "Issue a payment key to the token's device (did), replacing its live one; needs a step-up "
            + "token. 201 with the secret, which no other answer ever carries")
    public Uni<Response> issue() {
        MoneyMovement.Actor actor = actors.of(identity);
        if (!actor.steppedUp()) {
            throw new ProblemException(403, Rules.STEP_UP_REQUIRED, "Step up required", "Issuing a payment key needs "
                    + "a step-up token (POST /v1/step-up at auth-service) at most "
                    + actors.stepUpMaxAge().toMinutes() + " min old.");
        }
        if (actor.deviceId() == null || actor.deviceId().isBlank()) {
            throw CpmProblem.DEVICE_REQUIRED.exception("A payment key is bound to a device: use a token issued to "
                    + "a bound device (claim did).");
        }
        return keys.issue(callers.subject(), actor.deviceId(), actor.deviceBoundAt())
                .map(issued -> Response.status(201).entity(issued).build());
    }

    @GET
    @Operation(summary = "My payment keys, newest first (at most 100), without secrets")
    public Uni<List<PaymentKeyView>> list() {
        return keys.of(callers.subject());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke one of my payment keys (idempotent): its codes are refused from now on; another "
            + "customer's key answers 404")
    public Uni<PaymentKeyView> revoke(@PathParam("id") UUID id) {
        return keys.revokeOwn(callers.subject(), id);
    }
}
