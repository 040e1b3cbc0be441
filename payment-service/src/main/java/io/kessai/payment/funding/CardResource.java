package io.kessai.payment.funding;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
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

import io.kessai.common.security.Roles;
import io.kessai.payment.risk.Actors;
import io.kessai.payment.security.Callers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** A customer's cards for top-ups: register one (with a fresh step-up), list mine, remove one. */
@Path("/v1/cards")
@Tag(name = "funding")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.CUSTOMER)
public class CardResource {

    @Inject
    Cards cards;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a card: 201 with the card (brand, last4, expiry; never the number). Needs a step-up "
            + "token (403 step-up-required without one); 422 invalid-card-number, card-expired or card-not-supported")
    public Uni<Response> register(@Valid @NotNull CardRequest request) {
        if (!actors.of(identity).steppedUp()) {
            throw FundingProblem.stepUpRequired("Adding a card needs a fresh second factor: step up and send the "
                    + "same request with the step-up token.", null);
        }
        return cards.register(callers.subject(), request)
                .map(card -> Response.created(URI.create("/v1/cards/" + card.id())).entity(card).build());
    }

    @GET
    @Operation(summary = "My active cards, newest first")
    public Uni<List<CardView>> list() {
        return cards.list(callers.subject());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Remove one of my cards: 204; anyone else's (or one removed already) answers 404")
    public Uni<Response> remove(@PathParam("id") UUID id) {
        return cards.remove(callers.subject(), id).map(done -> Response.noContent().build());
    }
}
