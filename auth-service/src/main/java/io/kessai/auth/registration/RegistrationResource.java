package io.kessai.auth.registration;

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

/** Public registration: a phone number and a password, then the code sent by SMS to that number. */
@Path("/v1/registrations")
@Tag(name = "registration")
@PermitAll
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class RegistrationResource {

    @Inject
    Registrations registrations;

    @Inject
    Throttles throttles;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @POST
    @Operation(summary = "Start a registration; 202 with the registration id whether or not the number is known, and "
            + "a code by SMS to a number that has no account yet")
    public Uni<Response> start(@Valid @NotNull RegistrationRequest.Start request) {
        return throttles.registration(clientAddress.of(http))
                .flatMap(allowed -> registrations.start(request))
                .map(started -> Response.accepted(started).build());
    }

    @POST
    @Path("/{id}/confirm")
    @Operation(summary = "Confirm the phone number with the SMS code; the account becomes active")
    public Uni<RegistrationRequest.Confirmed> confirm(@PathParam("id") String id,
            @Valid @NotNull RegistrationRequest.Confirm request) {
        return throttles.codeSubmission(clientAddress.of(http))
                .flatMap(allowed -> registrations.confirm(id, request.code()));
    }
}
