package io.kessai.payment.code;

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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.kessai.payment.qr.QrImage;
import io.kessai.payment.security.Callers;
import io.smallrye.mutiny.Uni;

/**
 * A till's codes: order codes under the merchant's {@code merchantPaymentId} and its store's static code. The store
 * and terminal are the till token's, never the request's, so a till of one store cannot make codes for another.
 */
@Path("/v1")
@Tag(name = "codes")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.MERCHANT)
public class CodeResource {

    static final String PNG = "image/png";
    private static final int DEFAULT_PNG_SIZE = 400;

    @Inject
    OrderCodes codes;

    @Inject
    Callers callers;

    @POST
    @Path("/codes")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an order's dynamic code (till): 201, or 200 with the same code for a repeated "
            + "merchantPaymentId and body (Idempotent-Replayed: true); another body under that id is 409")
    public Uni<Response> create(@Valid @NotNull OrderCodeRequest request) {
        return codes.create(callers.till(), request).map(created -> created.replayed()
                ? Response.ok(created.code()).header("Idempotent-Replayed", "true").build()
                : Response.status(201).entity(created.code()).build());
    }

    @GET
    @Path("/codes/{merchantPaymentId}")
    @Operation(summary = "An order code of this till's store: CREATED, PAID, EXPIRED or DELETED")
    public Uni<OrderCodeView> one(@PathParam("merchantPaymentId") String merchantPaymentId) {
        return codes.ofTill(callers.till(), merchantPaymentId);
    }

    @GET
    @Path("/codes/{merchantPaymentId}/qr.png")
    @Produces({PNG, MediaType.APPLICATION_JSON})
    @Operation(summary = "The order code as a PNG to show on the till's customer display (while it can be paid)")
    public Uni<Response> png(@PathParam("merchantPaymentId") String merchantPaymentId,
            @QueryParam("size") Integer size) {
        return codes.ofTill(callers.till(), merchantPaymentId).map(code -> {
            if (code.payload() == null) {
                throw CodeProblem.ORDER_NOT_FOUND.exception("Order " + merchantPaymentId + " is " + code.status()
                        + " and has no code to show.");
            }
            return image(code.payload(), size);
        });
    }

    @DELETE
    @Path("/codes/{merchantPaymentId}")
    @Operation(summary = "Delete an unpaid order code: it can never be paid afterwards (409 if paid or being paid)")
    public Uni<OrderCodeView> delete(@PathParam("merchantPaymentId") String merchantPaymentId) {
        return codes.delete(callers.till(), merchantPaymentId);
    }

    @GET
    @Path("/store-code")
    @Operation(summary = "This till's store's static code, with the till's terminal label: the customer types the "
            + "amount")
    public Uni<OrderCodes.StoreCode> storeCode() {
        Callers.Till till = callers.till();
        return codes.storeCode(till.merchantId(), till.storeId(), till.terminalId());
    }

    @GET
    @Path("/store-code/qr.png")
    @Produces({PNG, MediaType.APPLICATION_JSON})
    @Operation(summary = "This till's store's static code as a PNG")
    public Uni<Response> storeCodePng(@QueryParam("size") Integer size) {
        Callers.Till till = callers.till();
        return codes.storeCode(till.merchantId(), till.storeId(), till.terminalId())
                .map(code -> image(code.payload(), size));
    }

    /** A PNG of {@code payload}, {@code size} pixels square (400 unless asked, within QrImage's bounds). */
    static Response image(String payload, Integer size) {
        int pixels = size == null ? DEFAULT_PNG_SIZE : size;
        if (pixels < QrImage.MIN_SIZE_PIXELS || pixels > QrImage.MAX_SIZE_PIXELS) {
            throw ProblemException.invalidField("size", "must be between " + QrImage.MIN_SIZE_PIXELS + " and "
                    + QrImage.MAX_SIZE_PIXELS + " pixels");
        }
        return Response.ok(QrImage.png(payload, pixels), PNG).header("Cache-Control", "no-store").build();
    }
}
