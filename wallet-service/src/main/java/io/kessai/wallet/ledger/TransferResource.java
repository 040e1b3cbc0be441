package io.kessai.wallet.ledger;

import java.util.List;
import java.util.Map;
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
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.OpsAccess;
import io.kessai.common.security.Roles;
import io.kessai.common.security.Scopes;
import io.kessai.wallet.WalletConfig;
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
    TransferBatches batches;

    @Inject
    GroupCommit groupCommit;

    @Inject
    WalletConfig config;

    @Inject
    TransferReader reader;

    @Inject
    Pool pool;

    @Inject
    SecurityIdentity identity;

    @POST
    // Any kind's scope lets the request in; the kind it names is checked next, once the body is read.
    @PermissionsAllowed({Scopes.WALLET_TRANSFERS_TOPUP, Scopes.WALLET_TRANSFERS_PAYMENT,
            Scopes.WALLET_TRANSFERS_REFUND, Scopes.WALLET_TRANSFERS_P2P, Scopes.WALLET_TRANSFERS_FEE,
            Scopes.WALLET_TRANSFERS_PAYOUT, Scopes.WALLET_TRANSFERS_ADJUSTMENT})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Post a transfer (one or more legs, all or nothing); 201, or the first answer again for a "
            + "repeated Idempotency-Key (header Idempotent-Replayed: true). Needs the scope of its kind, e.g. "
            + "wallet:transfers.payment")
    public Uni<Response> post(
            @Parameter(description = "The caller's key for this transfer; reuse it on every retry") @HeaderParam("Idempotency-Key") String key,
            @Valid @NotNull TransferRequest request) {
        TransferKind kind = TransferKind.fromWire(request.kind()).orElseThrow();
        return requireKind(identity, kind)
                .flatMap(allowed -> groupCommit.enabled()
                        ? groupCommit.post(caller(), key, request)
                        : transfers.post(caller(), key, request))
                .map(TransferResource::created);
    }

    /** A batch: transfers, each under its own key, and linked to the next one when {@code linked} is true. */
    @Schema(example = """
            {"transfers": [
              {"idempotencyKey": "pay_01J9Z6", "transfer": {"kind": "payment",
                "legs": [{"from": "5b0c3f7e-2f43-4a52-9d55-7f1f3b0a8c11", "to": "0e4f6a1d-7c1b-4bb8-8a55-1d9f0f6e2b22",
                          "amount": 1170}]}},
              {"idempotencyKey": "pay_01J9Z7", "transfer": {"kind": "payment",
                "legs": [{"from": "6c1d4e8f-3054-4b63-8e66-8e2a4c1b9d44", "to": "0e4f6a1d-7c1b-4bb8-8a55-1d9f0f6e2b22",
                          "amount": 450}]}}]}""")
    public record BatchRequest(@NotNull List<BatchItem> transfers) {
    }

    public record BatchItem(String idempotencyKey, Boolean linked, TransferRequest transfer) {
    }

    /**
     * The answer to one transfer of a batch, in the batch's order: 201 posted, 200 replayed (the first answer to its
     * key), or the status and problem it was refused with.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BatchResult(int index, int status, TransferView transfer, Problem problem) {
    }

    public record BatchResponse(int posted, int replayed, int refused, List<BatchResult> results) {
    }

    @POST
    @Path("/batch")
    @PermissionsAllowed({Scopes.WALLET_TRANSFERS_TOPUP, Scopes.WALLET_TRANSFERS_PAYMENT,
            Scopes.WALLET_TRANSFERS_REFUND, Scopes.WALLET_TRANSFERS_P2P, Scopes.WALLET_TRANSFERS_FEE,
            Scopes.WALLET_TRANSFERS_PAYOUT, Scopes.WALLET_TRANSFERS_ADJUSTMENT})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Post up to kessai.wallet.batch.max-transfers transfers in one transaction and one commit; "
            + "200 with one result per transfer in order (201 posted, 200 replayed, or its own problem): one "
            + "refused transfer never fails the others, except those linked with it")
    public Uni<BatchResponse> batch(@NotNull BatchRequest request) {
        List<BatchItem> items = request.transfers();
        if (items == null || items.isEmpty() || items.size() > config.batch().maxTransfers()) {
            throw ProblemException.invalidField("transfers", "A batch has 1 to " + config.batch().maxTransfers()
                    + " transfers.");
        }
        Map<TransferKind, Uni<Void>> checks = new java.util.EnumMap<>(TransferKind.class);
        for (BatchItem item : items) {
            kindOf(item).ifPresent(kind -> checks.computeIfAbsent(kind, k -> requireKind(identity, k)));
        }
        Map<TransferKind, ProblemException> forbidden = new java.util.concurrent.ConcurrentHashMap<>();
        Uni<Void> checked = Uni.createFrom().voidItem();
        for (Map.Entry<TransferKind, Uni<Void>> check : checks.entrySet()) {
            checked = checked.flatMap(done -> check.getValue().onFailure(ProblemException.class)
                    .invoke(e -> forbidden.put(check.getKey(), (ProblemException) e)).onFailure().recoverWithNull());
        }
        String caller = caller();
        return checked.flatMap(done -> batches.post(items.stream().map(item -> new TransferBatches.Item(caller,
                item.idempotencyKey(), item.transfer(), Boolean.TRUE.equals(item.linked()),
                kindOf(item).map(forbidden::get).orElse(null), false)).toList()))
                .map(results -> {
                    List<BatchResult> answers = new java.util.ArrayList<>();
                    int posted = 0;
                    int replayed = 0;
                    for (int i = 0; i < results.size(); i++) {
                        TransferBatches.Result result = results.get(i);
                        if (result.problem() != null) {
                            ProblemException p = result.problem();
                            answers.add(new BatchResult(i, p.status(), null, Problem.of(p.status(), p.code(),
                                    p.title(), p.getMessage(), null, p.errors())));
                        } else if (result.outcome().replayed()) {
                            replayed++;
                            answers.add(new BatchResult(i, 200, result.outcome().transfer(), null));
                        } else {
                            posted++;
                            answers.add(new BatchResult(i, 201, result.outcome().transfer(), null));
                        }
                    }
                    return new BatchResponse(posted, replayed, results.size() - posted - replayed, answers);
                });
    }

    private static java.util.Optional<TransferKind> kindOf(BatchItem item) {
        return item.transfer() == null || item.transfer().kind() == null
                ? java.util.Optional.empty()
                : TransferKind.fromWire(item.transfer().kind());
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
