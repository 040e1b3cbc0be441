package io.kessai.auth.till;

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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.Ids;
import io.kessai.auth.security.Caller;
import io.kessai.auth.security.ClientAddress;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * A merchant owner's till credentials, for a merchant they hold as payment-service described it. Only an owner's
 * session reaches them (a till's token is 403); making one or replacing its secret needs a step-up token at most
 * {@code kessai.auth.session.step-up-lifetime} old, since either hands out a credential that takes payments.
 */
@Path("/v1/me/merchants/{merchantId}/tills")
@Tag(name = "tills")
@RolesAllowed(Roles.MERCHANT)
@Produces(MediaType.APPLICATION_JSON)
public class TillResource {

    @Inject
    TillCredentials tills;

    @Inject
    AuthConfig config;

    @Inject
    SecurityIdentity identity;

    @Inject
    ClientAddress clientAddress;

    @Context
    HttpServerRequest http;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make a till credential for a terminal of an open store (step-up token): 201 with its "
            + "client id and secret, shown only here")
    public Uni<Response> create(@PathParam("merchantId") String merchantId,
            @Valid @NotNull TillRequest.Create request) {
        return tills.create(stepped(), merchantId(merchantId), request, clientAddress.of(http))
                .map(till -> Response.status(201).entity(till).header("Cache-Control", "no-store").build());
    }

    @GET
    @Operation(summary = "The merchant's working till credentials, oldest first, without secrets; limit 1-200 "
            + "(default 50), follow nextCursor for more")
    public Uni<TillRequest.Page> list(@PathParam("merchantId") String merchantId,
            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return tills.list(Caller.of(identity), merchantId(merchantId), limit, cursor);
    }

    @POST
    @Path("/{tillId}/secret")
    @Operation(summary = "Replace a till's secret (step-up token): 200 with the new one, shown only here; the old one "
            + "stops working at once")
    public Uni<Response> rotate(@PathParam("merchantId") String merchantId, @PathParam("tillId") String tillId) {
        return tills.rotate(stepped(), merchantId(merchantId), tillId, clientAddress.of(http))
                .map(till -> Response.ok(till).header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("/{tillId}")
    @Operation(summary = "Revoke a till credential: its secret stops working at once (a token already issued "
            + "lives out its few minutes); 204, again too")
    public Uni<Response> revoke(@PathParam("merchantId") String merchantId, @PathParam("tillId") String tillId) {
        return tills.revoke(Caller.of(identity), merchantId(merchantId), tillId, clientAddress.of(http))
                .map(done -> Response.noContent().build());
    }

    private Caller stepped() {
        return Caller.of(identity).requireStepUp(config.session().stepUpLifetime());
    }

    /** Text that is no UUID names no merchant: the same 404 as an unknown one. */
    private static UUID merchantId(String text) {
        return Ids.uuid(text).orElseThrow(TillProblems::merchantNotFound);
    }
}
