package io.kessai.payment.funding;

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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.risk.Actors;
import io.kessai.payment.security.Callers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Top-ups: charge one of my cards and credit my wallet; read one of mine. */
@Path("/v1/topups")
@Tag(name = "funding")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.CUSTOMER)
public class TopupResource {

    /** When a client should ask again about a pending top-up. */
    static final String RETRY_AFTER_PENDING = "2";

    @Inject
    Topups topups;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Top up my wallet from one of my cards. 201 COMPLETED; 202 PENDING when the outcome is not "
            + "known yet (ask again at Location after Retry-After); 403 step-up-required with Location when the "
            + "top-up is held for a step-up or the card's issuer asks for a challenge (send the same request again, "
            + "same Idempotency-Key, with a step-up token); 402 card-declined with the reason; a retry under the same "
            + "Idempotency-Key answers the top-up as it now is (Idempotent-Replayed: true)")
    public Uni<Response> topUp(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull TopupRequest request) {
        return topups.topUp(callers.subject(), actors.of(identity), key, request).map(TopupResource::answer);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of my top-ups; anyone else's answers 404")
    public Uni<TopupView> one(@PathParam("id") UUID id) {
        return topups.of(callers.subject(), id);
    }

    static Response answer(Topups.Outcome outcome) {
        TopupView topup = outcome.topup();
        if ("FAILED".equals(topup.status())) {
            throw FundingProblem.ofFailure(topup.failure().code(), topup.failure().detail());
        }
        String location = "/v1/topups/" + topup.topupId();
        Response.ResponseBuilder response = "PENDING".equals(topup.status())
                ? Response.accepted(topup).location(URI.create(location)).header("Retry-After", RETRY_AFTER_PENDING)
                : outcome.replayed()
                        ? Response.ok(topup)
                        : Response.created(URI.create(location)).entity(topup);
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }
}
