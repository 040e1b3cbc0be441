package io.kessai.auth.ops;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.auth.security.ClientAddress;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Ops: look a user up, and freeze or unfreeze a user or one of their devices (docs/operations.md, "Freezing a
 * compromised account"). Only tokens with role {@code ops}.
 */
@Path("/v1/ops/users")
@Tag(name = "ops")
@RolesAllowed(Roles.OPS)
@Produces(MediaType.APPLICATION_JSON)
public class OpsUserResource {

    @Inject
    UserDirectory directory;

    @Inject
    UserFreezes freezes;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpServerRequest http;

    @Inject
    ClientAddress clientAddress;

    @GET
    @Operation(summary = "Find a user by phone number, in any form a customer types it; 404 user-not-found")
    public Uni<OpsViews.User> byPhone(@QueryParam("phone") String phone) {
        if (phone == null || phone.isBlank()) {
            throw ProblemException.invalidField("phone", "Give the user's phone number, e.g. ?phone=090-1234-5678.");
        }
        return directory.byPhone(phone);
    }

    @GET
    @Path("/{userId}")
    @Operation(summary = "A user with devices and second factors; 404 user-not-found (also for a malformed id)")
    public Uni<OpsViews.User> byId(@PathParam("userId") String userId) {
        return directory.byId(userId);
    }

    @POST
    @Path("/{userId}/freeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze an active user: login and refresh stop at once, every session ends, the wallet is "
            + "frozen through wallet-service and the owner is alerted; freezing again answers the same state")
    public Uni<OpsViews.User> freeze(@PathParam("userId") String userId,
            @Valid @NotNull OpsViews.StatusChange change) {
        return freezes.freeze(userId, change.reason(), operator());
    }

    @POST
    @Path("/{userId}/unfreeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make a frozen user active again, and the wallet with it; sessions ended by the freeze stay "
            + "ended")
    public Uni<OpsViews.User> unfreeze(@PathParam("userId") String userId,
            @Valid @NotNull OpsViews.StatusChange change) {
        return freezes.unfreeze(userId, change.reason(), operator());
    }

    @POST
    @Path("/{userId}/devices/{deviceId}/freeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Freeze one device of a user: its sessions end, and it can neither sign in nor refresh; the "
            + "user's other devices are untouched; 404 device-not-found")
    public Uni<OpsViews.Device> freezeDevice(@PathParam("userId") String userId,
            @PathParam("deviceId") String deviceId, @Valid @NotNull OpsViews.StatusChange change) {
        return freezes.freezeDevice(userId, deviceId, change.reason(), operator());
    }

    @POST
    @Path("/{userId}/devices/{deviceId}/unfreeze")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Let a frozen device sign in again (with the password while its binding lasts)")
    public Uni<OpsViews.Device> unfreezeDevice(@PathParam("userId") String userId,
            @PathParam("deviceId") String deviceId, @Valid @NotNull OpsViews.StatusChange change) {
        return freezes.unfreezeDevice(userId, deviceId, change.reason(), operator());
    }

    private UserFreezes.Operator operator() {
        return new UserFreezes.Operator(identity.getPrincipal().getName(), clientAddress.of(http));
    }
}
