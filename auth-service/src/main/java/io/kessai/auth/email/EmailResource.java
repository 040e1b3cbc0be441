package io.kessai.auth.email;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.security.Caller;
import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/** The signed-in user's email address: a step-up to name one, then the code mailed to it. */
@Path("/v1/me/email")
@Tag(name = "email")
@RolesAllowed({Roles.CUSTOMER, Roles.MERCHANT})
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EmailResource {

    @Inject
    EmailAddresses emails;

    @Inject
    Throttles throttles;

    @Inject
    AuthConfig config;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @PUT
    @Operation(summary = "Add or change the email address (step-up token required): 202 with the challenge of the "
            + "code mailed to the new address, which counts only once confirmed")
    public Uni<Response> change(@Valid @NotNull EmailRequest.Change request) {
        Caller caller = Caller.of(identity).requireStepUp(config.session().stepUpLifetime());
        return emails.change(caller, request.email(), clientAddress.of(http))
                .map(started -> Response.accepted(started).build());
    }

    @POST
    @Path("/confirm")
    @Operation(summary = "Confirm the address with the mailed code; it becomes the account's verified email and every "
            + "channel verified before is alerted")
    public Uni<EmailRequest.Verified> confirm(@Valid @NotNull EmailRequest.Confirm request) {
        Caller caller = Caller.of(identity);
        String address = clientAddress.of(http);
        return throttles.codeSubmission(address)
                .flatMap(allowed -> emails.confirm(caller, request, address));
    }
}
