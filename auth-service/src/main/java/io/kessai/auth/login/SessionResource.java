package io.kessai.auth.login;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.device.DeviceProofs;
import io.kessai.auth.device.DpopVerifier;
import io.kessai.auth.password.PasswordHasher;
import io.kessai.auth.security.Caller;
import io.kessai.auth.security.ClientAddress;
import io.kessai.auth.session.Sessions;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/** Sign-in with phone, password and device; a second factor for a device that is not bound; sign-out. */
@Path("/v1/sessions")
@Tag(name = "sessions")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    @Inject
    Logins logins;

    @Inject
    Sessions sessions;

    @Inject
    PasswordHasher hasher;

    @Inject
    Throttles throttles;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @Inject
    DeviceProofs proofs;

    @POST
    @PermitAll
    @Operation(summary = "Sign in: 201 with a session on a bound device, 202 with a challenge for a second factor "
            + "otherwise; 401 invalid-credentials for any wrong part")
    public Uni<Response> start(@Valid @NotNull LoginRequest.Start request,
            @HeaderParam(DeviceProofs.PROOF_HEADER) String dpop) {
        String address = clientAddress.of(http);
        if (hasher.saturated()) {
            // Shed before any database work, even the address's bucket: in a storm the refusals must stay cheap, or
            // they take the CPU the hashing needs.
            return Uni.createFrom().failure(ProblemException.unavailable(
                    "Too many sign-ins at once; try again in a few seconds."));
        }
        // Checked before the address's bucket is charged: an app that needs a nonce first is not counted twice.
        DpopVerifier.Proof proof = proofs.verifyIfPresent(dpop, "POST", http.path());
        return throttles.login(address)
                .flatMap(allowed -> proofs.spend(proof))
                .flatMap(spent -> logins.start(request, address, spent))
                .map(outcome -> outcome.session() != null
                        ? noStore(Response.status(201).entity(outcome.session()))
                        : noStore(Response.accepted(outcome.challenge())));
    }

    @POST
    @Path("/challenges/{id}/sms")
    @PermitAll
    @Operation(summary = "Send the sign-in's SMS code (again); per-number limits apply")
    public Uni<Response> sms(@PathParam("id") String id) {
        return confirmBucket().flatMap(allowed -> logins.resendSms(id))
                .map(sent -> Response.accepted(sent).build());
    }

    @POST
    @Path("/challenges/{id}")
    @PermitAll
    @Operation(summary = "Pass the sign-in's second factor: binds the device, alerts the account, starts a session")
    public Uni<Response> complete(@PathParam("id") String id, @Valid @NotNull LoginRequest.SecondFactor factor,
            @HeaderParam(DeviceProofs.PROOF_HEADER) String dpop) {
        String address = clientAddress.of(http);
        DpopVerifier.Proof proof = proofs.verifyIfPresent(dpop, "POST", http.path());
        return confirmBucket().flatMap(allowed -> proofs.spend(proof))
                .flatMap(spent -> logins.complete(id, factor, address, spent))
                .map(session -> noStore(Response.status(201).entity(session)));
    }

    @DELETE
    @Path("/current")
    @RolesAllowed({Roles.CUSTOMER, Roles.MERCHANT})
    @Operation(summary = "Sign out: the session's refresh tokens stop working")
    public Uni<Response> logout() {
        Caller caller = Caller.of(identity);
        return sessions.revokeSession(caller.userId(), caller.sessionId(), clientAddress.of(http))
                .map(done -> Response.noContent().build());
    }

    private Uni<Void> confirmBucket() {
        return throttles.codeSubmission(clientAddress.of(http));
    }

    static Response noStore(Response.ResponseBuilder response) {
        return response.header("Cache-Control", "no-store").build();
    }
}
