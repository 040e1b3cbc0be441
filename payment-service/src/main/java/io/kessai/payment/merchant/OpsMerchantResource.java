package io.kessai.payment.merchant;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
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

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** The ops review of merchant applications: the queue, approval (which opens the ledger account) and rejection. */
@Path("/v1/ops/merchants")
@Tag(name = "ops")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.OPS)
public class OpsMerchantResource {

    @Inject
    Merchants merchants;

    @Inject
    SecurityIdentity identity;

    public record Rejection(@NotBlank @Size(max = 500) String reason) {
    }

    public record FreezeChange(@NotBlank @Size(max = 500) String reason) {
    }

    @GET
    @Operation(summary = "Merchants in one review state (default pending_review), oldest first")
    public Uni<List<MerchantView>> list(@QueryParam("status") String status) {
        MerchantStatus wanted = status == null
                ? MerchantStatus.PENDING_REVIEW
                : MerchantStatus.fromWire(status).orElseThrow(() -> ProblemException.invalidField("status",
                        "must be pending_review, active, rejected or frozen"));
        return merchants.withStatus(wanted);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Any merchant")
    public Uni<MerchantView> one(@PathParam("id") UUID id) {
        return merchants.byId(id);
    }

    @POST
    @Path("/{id}/approval")
    @Operation(summary = "Approve a merchant pending review: it becomes active and its ledger account is opened "
            + "(through the outbox). Approving an active merchant again answers it unchanged")
    public Uni<MerchantView> approve(@PathParam("id") UUID id) {
        return merchants.approve(id, identity.getPrincipal().getName());
    }

    @POST
    @Path("/{id}/rejection")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reject a merchant pending review, with a reason its owner sees")
    public Uni<MerchantView> reject(@PathParam("id") UUID id, @Valid @NotNull Rejection rejection) {
        return merchants.reject(id, rejection.reason().strip(), identity.getPrincipal().getName());
    }

    @POST
    @Path("/{id}/freeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze an active merchant at once: payments to it are refused (merchant-frozen), its tills "
            + "get no new tokens, its ledger account is frozen; refunds still pay its customers back")
    public Uni<MerchantView> freeze(@PathParam("id") UUID id, @Valid @NotNull FreezeChange change) {
        return merchants.freeze(id, change.reason().strip(), identity.getPrincipal().getName());
    }

    @POST
    @Path("/{id}/unfreeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make a frozen merchant active again")
    public Uni<MerchantView> unfreeze(@PathParam("id") UUID id, @Valid @NotNull FreezeChange change) {
        return merchants.unfreeze(id, change.reason().strip(), identity.getPrincipal().getName());
    }
}
