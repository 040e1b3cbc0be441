package io.kessai.payment.settlement;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.merchant.Merchants;
import io.smallrye.mutiny.Uni;

/** Any merchant's daily statements, for ops (the same figures the owner sees). */
@Path("/v1/ops/merchants/{merchantId}/statements")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
public class OpsStatementResource {

    @Inject
    Statements statements;

    @Inject
    Merchants merchants;

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
}
