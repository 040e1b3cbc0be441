package io.kessai.auth.factor;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.login.LoginRequest;
import io.kessai.auth.security.Caller;
import io.kessai.auth.security.ClientAddress;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Step-up, and the signed-in user's second factors and devices. Adding, removing or replacing a factor needs a
 * step-up token at most {@code kessai.auth.session.step-up-lifetime} old (403 step-up-required otherwise).
 */
@Path("/v1")
@Tag(name = "factors")
@RolesAllowed({Roles.CUSTOMER, Roles.MERCHANT})
@Produces(MediaType.APPLICATION_JSON)
public class FactorResource {

    @Inject
    StepUp stepUp;

    @Inject
    Factors factors;

    @Inject
    AuthConfig config;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @POST
    @Path("/step-up/sms")
    @Operation(summary = "Send an SMS code for a step-up")
    public Uni<Response> stepUpSms() {
        return stepUp.sendSms(Caller.of(identity)).map(sent -> Response.accepted(sent).build());
    }

    @POST
    @Path("/step-up")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Present a second factor again: a short-lived token with acr=step-up for risky actions")
    public Uni<Response> stepUp(@Valid @NotNull FactorRequest.StepUp request) {
        return stepUp.stepUp(Caller.of(identity), request, clientAddress.of(http))
                .map(token -> Response.status(201).entity(token).header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("/me/factors")
    @Operation(summary = "The user's verified channels and second factors")
    public Uni<FactorRequest.Factors> list() {
        return factors.list(Caller.of(identity));
    }

    @POST
    @Path("/me/factors/totp")
    @Operation(summary = "Start enrolling an authenticator app (step-up token): the secret, otpauth URI and QR PNG")
    public Uni<Response> beginTotp() {
        return factors.beginTotp(stepped())
                .map(enrollment -> Response.status(201).entity(enrollment).header("Cache-Control", "no-store")
                        .build());
    }

    @POST
    @Path("/me/factors/totp/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Confirm the authenticator with its first code; the first one also brings recovery codes")
    public Uni<Response> confirmTotp(@Valid @NotNull FactorRequest.Code code) {
        return factors.confirmTotp(stepped(), code.code(), clientAddress.of(http))
                .map(confirmed -> Response.ok(confirmed).header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("/me/factors/totp")
    @Operation(summary = "Remove the authenticator app (step-up token)")
    public Uni<Response> removeTotp() {
        return factors.removeTotp(stepped(), clientAddress.of(http)).map(done -> Response.noContent().build());
    }

    @POST
    @Path("/me/recovery-codes")
    @Operation(summary = "Replace the recovery codes with ten new ones, shown once (step-up token)")
    public Uni<Response> replaceRecoveryCodes() {
        return factors.replaceRecoveryCodes(stepped(), clientAddress.of(http))
                .map(codes -> Response.status(201).entity(codes).header("Cache-Control", "no-store").build());
    }

    @GET
    @Path("/me/devices")
    @Operation(summary = "The user's devices")
    public Uni<List<FactorRequest.Device>> devices() {
        return factors.devices(Caller.of(identity));
    }

    @DELETE
    @Path("/me/devices/{deviceId}")
    @Operation(summary = "Unbind a device and sign it out; it needs a second factor to sign in again")
    public Uni<Response> unbind(@PathParam("deviceId") @Pattern(regexp = LoginRequest.DEVICE_ID) String deviceId) {
        return factors.unbind(Caller.of(identity), deviceId, clientAddress.of(http))
                .map(done -> Response.noContent().build());
    }

    private Caller stepped() {
        return Caller.of(identity).requireStepUp(config.session().stepUpLifetime());
    }
}
