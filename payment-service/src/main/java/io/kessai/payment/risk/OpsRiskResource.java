package io.kessai.payment.risk;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** The risk engine for ops: every decision with its reasons and figures, and the review list of held movements. */
@Path("/v1/ops/risk")
@Tag(name = "ops")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("ops")
public class OpsRiskResource {

    @Inject
    RiskReviews reviews;

    @Inject
    SecurityIdentity identity;

    /** What the reviewer says; optional, at most 500 characters. */
    public record Review(@Size(max = 500) String note) {
    }

    @GET
    @Path("/decisions")
    @Operation(summary = "Decisions, newest first: of one customer (customerId), of one movement (movementId), of one "
            + "outcome (ALLOW, STEP_UP, DENY); a page of limit (1-100, default 50) after cursor")
    public Uni<DecisionView.Page> decisions(@QueryParam("customerId") String customerId,
            @QueryParam("movementId") UUID movementId, @QueryParam("outcome") String outcome,
            @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return reviews.decisions(customerId, movementId, outcome, cursor, limit);
    }

    @GET
    @Path("/decisions/{id}")
    @Operation(summary = "One decision, with every reason and the figures its rule used")
    public Uni<DecisionView> decision(@PathParam("id") UUID id) {
        return reviews.decision(id);
    }

    @GET
    @Path("/reviews")
    @Operation(summary = "The review list: held movements whose review is in status (default open), oldest first")
    public Uni<DecisionView.Page> list(@QueryParam("status") String status, @QueryParam("cursor") String cursor,
            @QueryParam("limit") Integer limit) {
        return reviews.reviews(status, cursor, limit);
    }

    @POST
    @Path("/reviews/{id}/approval")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Approve a held movement: it is counted and goes ahead (409 review-closed when not open)")
    public Uni<DecisionView> approve(@PathParam("id") UUID id, @Valid Review review) {
        return reviews.approve(id, identity.getPrincipal().getName(), review == null ? null : review.note());
    }

    @POST
    @Path("/reviews/{id}/denial")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Deny a held movement: it fails with risk-denied (409 review-closed when not open)")
    public Uni<DecisionView> deny(@PathParam("id") UUID id, @Valid Review review) {
        return reviews.deny(id, identity.getPrincipal().getName(), review == null ? null : review.note());
    }
}
