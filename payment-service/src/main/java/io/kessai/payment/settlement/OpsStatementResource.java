package io.kessai.payment.settlement;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import io.kessai.payment.merchant.Merchants;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Any merchant's daily statements, for ops (the same figures the owner sees), and the settlement of a day the job
 * passed over.
 */
@Path("/v1/ops/merchants/{merchantId}/statements")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
public class OpsStatementResource {

    @Inject
    Statements statements;

    @Inject
    Merchants merchants;

    @Inject
    SettlementJob settlement;

    @Inject
    SecurityIdentity identity;

    @GET
    @Path("/{businessDate}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A merchant's statement of a business day (yyyy-MM-dd, JST)")
    public Uni<Statements.Statement> json(@PathParam("merchantId") UUID merchantId,
            @PathParam("businessDate") String businessDate) {
        var day = statements.closedDay(businessDate);
        return merchants.byId(merchantId).flatMap(merchant -> statements.of(merchantId, day));
    }

    @GET
    @Path("/{businessDate}.csv")
    @Produces({StatementCsv.MEDIA_TYPE, MediaType.APPLICATION_JSON})
    @Operation(summary = "The same statement as CSV")
    public Uni<Response> csv(@PathParam("merchantId") UUID merchantId,
            @PathParam("businessDate") String businessDate) {
        var day = statements.closedDay(businessDate);
        return merchants.byId(merchantId).flatMap(merchant -> statements.of(merchantId, day))
                .map(StatementResource::csv);
    }

    @POST
    @Path("/{businessDate}/settlement")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Settle a day the job passed over (it settles only the latest day due: a day when the "
            + "merchant was frozen or had no bank account yet stays unsettled): the day's payout, made from its "
            + "statement as the job makes it, or the one made before, taken as far as it goes now. Idempotent by "
            + "merchant and day. 409 business-day-open (not ended), settlement-not-due (before settle-after past its "
            + "end), merchant-frozen or merchant-not-active; 404 bank-account-not-found")
    public Uni<Payouts.Payout> settle(@PathParam("merchantId") UUID merchantId,
            @PathParam("businessDate") String businessDate) {
        var day = statements.closedDay(businessDate);
        return merchants.byId(merchantId).flatMap(merchant -> settlement.settle(merchant, day,
                identity.getPrincipal().getName()));
    }
}
