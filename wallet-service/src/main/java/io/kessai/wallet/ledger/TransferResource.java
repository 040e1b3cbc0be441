package io.kessai.wallet.ledger;

import java.util.UUID;

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
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Roles;
import io.kessai.common.security.Scopes;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Internal transfer API for the other services: post, reverse, and look up (by id or by idempotency key). Posting
 * needs the scope of the transfer's kind; ops may look up, never post or reverse.
 */
@Path("/v1/internal/transfers")
@Tag(name = "internal")
@Produces(MediaType.APPLICATION_JSON)
public class TransferResource {

    @Inject
    Transfers transfers;

    @Inject
    Reversals reversals;

    @Inject
    TransferReader reader;

    @Inject
    Pool pool;

    @Inject
    SecurityIdentity identity;

    @POST
    // Any kind's scope lets the request in; the kind it names is checked next, once the body is read.
    @PermissionsAllowed({Scopes.WALLET_TRANSFERS_TOPUP, Scopes.WALLET_TRANSFERS_PAYMENT,
            Scopes.WALLET_TRANSFERS_REFUND, Scopes.WALLET_TRANSFERS_P2P, Scopes.WALLET_TRANSFERS_ADJUSTMENT})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Post a transfer (one or more legs, all or nothing); 201, or the first answer again for a "
            + "repeated Idempotency-Key (header Idempotent-Replayed: true). Needs the scope of its kind, e.g. "
            + "wallet:transfers.payment")
    public Uni<Response> post(
            @Parameter(description = "The caller's key for this transfer; reuse it on every retry") @HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull TransferRequest request) {
        TransferKind kind = TransferKind.fromWire(request.kind()).orElseThrow();
        return requireKind(identity, kind)
                .flatMap(allowed -> transfers.post(caller(), key, request)).map(TransferResource::created);
    }

    /** A transfer of {@code kind} needs that kind's scope: only the funding flow tops up, only refunds refund. */
    public static Uni<Void> requireKind(SecurityIdentity identity, TransferKind kind) {
        return Scopes.require(identity, kind.scope(), "post " + kind.wire() + " transfers");
    }

    @POST
    @Path("/{id}/reversals")
    @PermissionsAllowed(Scopes.WALLET_TRANSFERS_REVERSE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reverse a transfer fully or partly with opposite entries that reference it")
    public Uni<Response> reverse(@PathParam("id") UUID id, @HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull ReversalRequest request) {
        return reversals.reverse(caller(), key, id, request).map(TransferResource::created);
    }

    @GET
    @Path("/{id}")
    @PermissionsAllowed({Scopes.WALLET_TRANSFERS_READ, OpsAccess.READ})
    @Operation(summary = "A transfer by id (a service sees only the transfers it posted)")
    public Uni<TransferView> byId(@PathParam("id") UUID id) {
        return reader.byId(pool, id).map(stored -> {
            if (stored == null || !visible(stored)) {
                throw LedgerProblem.TRANSFER_NOT_FOUND.exception("No transfer " + id + ".");
            }
            return stored.view();
        });
    }

    @GET
    @PermissionsAllowed({Scopes.WALLET_TRANSFERS_READ, OpsAccess.READ})
    @Operation(summary = "The transfer a caller posted under an idempotency key (how a reconciler learns an unknown "
            + "outcome: 404 means it was never posted and may be retried with the same key)")
    public Uni<TransferView> byKey(@QueryParam("idempotencyKey") String key,
            @Parameter(description = "ops only: whose key (a service's client id); a service always asks about its own") @QueryParam("caller") String caller) {
        requireLookupKey(key, "transfers");
        String owner = identity.hasRole(Roles.OPS) && caller != null ? caller : caller();
        return reader.byKey(pool, owner, key).map(stored -> {
            if (stored == null) {
                throw LedgerProblem.TRANSFER_NOT_FOUND.exception("No transfer was posted under key " + key + ".");
            }
            return stored.view();
        });
    }

    /** A lookup by idempotency key (of transfers or holds) names the key. */
    public static void requireLookupKey(String key, String what) {
        if (key == null || key.isBlank()) {
            throw new ProblemException(400, ProblemCodes.VALIDATION_FAILED, "Validation failed",
                    "Look " + what + " up with ?idempotencyKey=<key>.");
        }
    }

    private boolean visible(TransferReader.Stored stored) {
        return identity.hasRole(Roles.OPS) || stored.caller().equals(caller());
    }

    private String caller() {
        return identity.getPrincipal().getName();
    }

    public static Response created(TransferView.Outcome outcome) {
        return Response.status(Response.Status.CREATED).entity(outcome.transfer())
                .header("Idempotent-Replayed", outcome.replayed() ? "true" : null).build();
    }
}
