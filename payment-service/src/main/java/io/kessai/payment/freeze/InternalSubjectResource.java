package io.kessai.payment.freeze;

import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Scopes;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * auth-service's calls, through its outbox, when ops freeze or unfreeze a user or a device and when a user unbinds a
 * device (scope {@code payment:subjects.freeze}, held by auth-service alone). Each is idempotent, so the relay's
 * retries and replays change nothing more; one user's calls arrive in the order of the changes.
 */
@Path("/v1/internal/customers/{userId}")
@Tag(name = "internal")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@PermissionsAllowed(Scopes.PAYMENT_SUBJECTS_FREEZE)
public class InternalSubjectResource {

    /** auth-service's device ids (its {@code LoginRequest.DEVICE_ID}). */
    static final String DEVICE_ID = "[A-Za-z0-9._:-]{8,128}";

    /** Why: the ops reason of a freeze, or what happened (an unbinding). */
    public record Change(@NotBlank @Size(max = 500) String reason) {
    }

    @Inject
    FrozenSubjects subjects;

    @Inject
    SecurityIdentity identity;

    @POST
    @Path("/freeze")
    @Operation(summary = "A user ops froze: no money moves for them, their payment keys are revoked")
    public Uni<FrozenSubjectView> freezeUser(@PathParam("userId") UUID userId, @Valid @NotNull Change change) {
        return subjects.freezeUser(userId, change.reason(), caller());
    }

    @POST
    @Path("/unfreeze")
    @Operation(summary = "A user ops unfroze: money moves again (revoked payment keys stay revoked)")
    public Uni<FrozenSubjectView> unfreezeUser(@PathParam("userId") UUID userId, @Valid @NotNull Change change) {
        return subjects.unfreezeUser(userId, caller());
    }

    @POST
    @Path("/devices/{deviceId}/freeze")
    @Operation(summary = "A device ops froze: nothing moves from it, its payment keys are revoked")
    public Uni<FrozenSubjectView> freezeDevice(@PathParam("userId") UUID userId,
            @PathParam("deviceId") @Pattern(regexp = DEVICE_ID) String deviceId, @Valid @NotNull Change change) {
        return subjects.freezeDevice(userId, deviceId, change.reason(), caller());
    }

    @POST
    @Path("/devices/{deviceId}/unfreeze")
    @Operation(summary = "A device ops unfroze")
    public Uni<FrozenSubjectView> unfreezeDevice(@PathParam("userId") UUID userId,
            @PathParam("deviceId") @Pattern(regexp = DEVICE_ID) String deviceId, @Valid @NotNull Change change) {
        return subjects.unfreezeDevice(userId, deviceId, caller());
    }

    @POST
    @Path("/devices/{deviceId}/unbinding")
    @Operation(summary = "A device its user unbound: its payment keys are revoked")
    public Uni<FrozenSubjectView> deviceUnbound(@PathParam("userId") UUID userId,
            @PathParam("deviceId") @Pattern(regexp = DEVICE_ID) String deviceId, @Valid @NotNull Change change) {
        return subjects.deviceUnbound(userId, deviceId, caller());
    }

    private String caller() {
        return identity.getPrincipal().getName();
    }
}
