package io.kessai.payment.p2p;

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

import io.kessai.common.security.Roles;
import io.kessai.payment.risk.Actors;
import io.kessai.payment.security.Callers;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Person-to-person transfers: send to a phone number, read one, list mine. The sender is the token's subject. */
@Path("/v1/p2p-transfers")
@Tag(name = "p2p")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.CUSTOMER)
public class TransferResource {

    /** When a client should ask again about a pending transfer. */
    static final String RETRY_AFTER_PENDING = "2";

    @Inject
    Transfers transfers;

    @Inject
    Callers callers;

    @Inject
    Actors actors;

    @Inject
    SecurityIdentity identity;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send money to another customer by phone number. 201 COMPLETED; 202 PENDING when the "
            + "outcome is not known yet (ask again at Location after Retry-After); 403 step-up-required with Location "
            + "when the transfer is held for a step-up (send the same request again, same Idempotency-Key, with a "
            + "step-up token); a refusal is a problem (422 recipient-unavailable for any number that cannot receive); "
            + "a retry under the same Idempotency-Key answers the transfer as it now is (Idempotent-Replayed: true)")
    public Uni<Response> send(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull TransferRequest request) {
        return transfers.send(callers.subject(), actors.of(identity), key, request).map(TransferResource::answer);
    }

    @GET
    @Operation(summary = "My transfers, sent (any state) and received (completed), newest first; a page of limit "
            + "(1 to kessai.payment.p2p.max-page-size, default 50) after cursor")
    public Uni<TransferPage> list(@QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return transfers.list(callers.subject(), cursor, limit);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One of my transfers, as its sender or (once completed) its recipient sees it; anyone "
            + "else's answers 404")
    public Uni<TransferView> one(@PathParam("id") UUID id) {
        return transfers.of(callers.subject(), id);
    }

    static Response answer(Transfers.Outcome outcome) {
        TransferView transfer = outcome.transfer();
        if ("FAILED".equals(transfer.status())) {
            throw P2pProblem.ofFailure(transfer.failure().code(), transfer.failure().detail());
        }
        String location = "/v1/p2p-transfers/" + transfer.transferId();
        Response.ResponseBuilder response = "PENDING".equals(transfer.status())
                ? Response.accepted(transfer).location(URI.create(location)).header("Retry-After",
                        RETRY_AFTER_PENDING)
                : outcome.replayed() ? Response.ok(transfer) : Response.status(201).entity(transfer);
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }
}
