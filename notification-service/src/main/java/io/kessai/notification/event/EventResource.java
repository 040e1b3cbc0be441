package io.kessai.notification.event;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kessai.common.security.Scopes;
import io.kessai.notification.delivery.DeliveryWorker;
import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;

/**
 * Where other services hand over typed events (normally through their outbox relay), with scope
 * notification:events.send: an OTP or a security alert goes out only when a service that sends them asks.
 */
@Path("/v1/internal/events")
@Tag(name = "internal")
public class EventResource {

    private final EventIntake intake;
    private final DeliveryWorker worker;

    EventResource(EventIntake intake, DeliveryWorker worker) {
        this.intake = intake;
        this.worker = worker;
    }

    @POST
    @PermissionsAllowed(Scopes.NOTIFICATION_EVENTS_SEND)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Accept a typed event for delivery; a repeated eventId is accepted once (202 either way)")
    public Uni<Response> accept(@Valid @NotNull EventRequest event) {
        return intake.accept(event)
                .invoke(accepted -> {
                    if (!accepted.duplicate()) {
                        worker.nudge();
                    }
                })
                .map(accepted -> Response.accepted(accepted).build());
    }
}
