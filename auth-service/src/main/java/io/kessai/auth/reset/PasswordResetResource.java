package io.kessai.auth.reset;

import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.throttle.Throttles;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/** Public password reset: a code to a verified channel of the account, then the code and a new password. */
@Path("/v1/password-resets")
@Tag(name = "password reset")
@PermitAll
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PasswordResetResource {

    @Inject
    PasswordResets resets;

    @Inject
    Throttles throttles;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @POST
    @Operation(summary = "Ask for a reset code; 202 with the reset id for any number, and a code only to a verified "
            + "channel of an active account (the phone, or the verified email with channel=email)")
    public Uni<Response> start(@Valid @NotNull PasswordResetRequest.Start request) {
        String address = clientAddress.of(http);
        return throttles.reset(address)
                .flatMap(allowed -> resets.request(request, address))
                .map(started -> Response.accepted(started).build());
    }

    @POST
    @Path("/{id}/complete")
    @Operation(summary = "Set a new password with the code (and a TOTP or recovery code where the account has an "
            + "authenticator app); every session ends")
    public Uni<PasswordResetRequest.Completed> complete(@PathParam("id") String id,
            @Valid @NotNull PasswordResetRequest.Complete request) {
        String address = clientAddress.of(http);
        return throttles.codeSubmission(address)
                .flatMap(allowed -> resets.complete(id, request, address));
    }
}
