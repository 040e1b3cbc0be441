package io.kessai.payment.settlement;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Roles;
import io.kessai.payment.merchant.Merchants;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/** A merchant owner's daily statements. Another owner's merchant answers 404; a day not yet ended, 409. */
@Path("/v1/merchants/{merchantId}/statements")
@Tag(name = "merchant settlement")
@RolesAllowed(Roles.MERCHANT)
public class StatementResource {

    @Inject
    Statements statements;

    @Inject
    Merchants merchants;

    @Inject
    Callers callers;

    @GET
    @Path("/{businessDate}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The statement of a business day (yyyy-MM-dd, midnight to midnight JST): every payment, "
            + "refund, cancel and the fee, with totals; 409 business-day-open for today or later")
    public Uni<Statements.Statement> json(@PathParam("merchantId") UUID merchantId,
            @PathParam("businessDate") String businessDate) {
        var day = statements.closedDay(businessDate);
        return merchants.ofOwner(callers.owner(), merchantId).flatMap(merchant -> statements.of(merchantId, day));
    }

    @GET
    @Path("/{businessDate}.csv")
    @Produces({StatementCsv.MEDIA_TYPE, MediaType.APPLICATION_JSON})
    @Operation(summary = "The same statement as CSV (RFC 4180, UTF-8, a header line; totals as the last rows)")
    public Uni<Response> csv(@PathParam("merchantId") UUID merchantId,
            @PathParam("businessDate") String businessDate) {
        var day = statements.closedDay(businessDate);
        return merchants.ofOwner(callers.owner(), merchantId)
                .flatMap(merchant -> statements.of(merchantId, day)).map(StatementResource::csv);
    }

    static Response csv(Statements.Statement statement) {
        return Response.ok(StatementCsv.of(statement), StatementCsv.MEDIA_TYPE)
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"statement-"
                        + statement.merchantId() + "-" + statement.businessDate() + ".csv\"")
                .build();
    }
}
