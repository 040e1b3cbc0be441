package io.kessai.notification.event;

import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemCodes;
import io.kessai.common.problem.ProblemException;
import io.kessai.common.problem.ProblemMappers;
import io.kessai.common.security.Scopes;
import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.DeliveryWorker;
import io.quarkus.security.PermissionsAllowed;
import io.smallrye.mutiny.Uni;

/**
 * Where other services hand over typed events (normally through their outbox relay), with scope
 * notification:events.send: an OTP or a security alert goes out only when a service that sends them asks. Events
 * come one per request or many in a batch; either way each is judged alone.
 */
@Path("/v1/internal/events")
@Tag(name = "internal")
public class EventResource {

    private final EventIntake intake;
    private final DeliveryWorker worker;
    private final ObjectMapper json;
    private final Validator validator;
    private final int batchMaxEvents;

    EventResource(EventIntake intake, DeliveryWorker worker, ObjectMapper json, Validator validator,
            NotificationConfig config) {
        this.intake = intake;
        this.worker = worker;
        this.json = json;
        this.validator = validator;
        this.batchMaxEvents = config.events().batchMaxEvents();
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

    @POST
    @Path("/batch")
    @PermissionsAllowed(Scopes.NOTIFICATION_EVENTS_SEND)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Accept up to kessai.notification.events.batch-max-events events in one transaction; 200 "
            + "with one result per event in order (202 accepted, with duplicate true for a repeated eventId, or the "
            + "event's own problem): each event is judged as the single endpoint judges it, and a refused one "
            + "stores nothing and never fails the others")
    public Uni<EventBatch.Response> acceptBatch(@NotNull EventBatch.Request batch) {
        List<JsonNode> events = batch.events();
        if (events == null || events.isEmpty() || events.size() > batchMaxEvents) {
            throw ProblemException.invalidField("events", "A batch has 1 to " + batchMaxEvents + " events.");
        }
        return intake.acceptAll(events.stream().map(this::read).toList())
                .invoke(outcomes -> {
                    if (outcomes.stream().anyMatch(EventIntake.Outcome::stored)) {
                        worker.nudge();
                    }
                })
                .map(EventBatch::of);
    }

    /** One event of a batch, read and validated as the single endpoint reads and validates its body. */
    private EventIntake.Candidate read(JsonNode node) {
        EventRequest event;
        try {
            event = node == null ? null : json.treeToValue(node, EventRequest.class);
        } catch (JsonProcessingException unreadable) {
            return EventIntake.Candidate.refused(ProblemMappers.malformedBody(unreadable));
        }
        if (event == null) {
            return EventIntake.Candidate.refused(new ProblemException(400, ProblemCodes.VALIDATION_FAILED,
                    "Request validation failed", "One or more fields are invalid; see errors.",
                    List.of(new Problem.FieldError("body", "must not be null")), Map.of()));
        }
        Set<ConstraintViolation<EventRequest>> violations = validator.validate(event);
        return violations.isEmpty()
                ? EventIntake.Candidate.of(event)
                : EventIntake.Candidate.refused(ProblemMappers.validationFailed(violations));
    }
}
