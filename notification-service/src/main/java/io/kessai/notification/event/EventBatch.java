package io.kessai.notification.event;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;

/** The shapes of {@code POST /v1/internal/events/batch}: many events in, one result per event out, in order. */
public final class EventBatch {

    private EventBatch() {
    }

    /**
     * The events as JSON, each read and validated on its own: one that does not match {@link EventRequest} is
     * refused alone, as the single endpoint would refuse it, and never fails the others.
     */
    @Schema(example = """
            {"events": [
              {"eventId": "pay:7f3c9a:completed", "type": "payment.completed",
               "recipient": {"userId": "u-123", "merchantId": "m-5"},
               "data": {"paymentId": "p-7f3c9a", "merchantName": "Lawson", "amount": {"amount": 580, "currency": "JPY"}}},
              {"eventId": "auth:otp:7f3c9b", "type": "otp.sms",
               "recipient": {"phone": "+819012345678"}, "data": {"code": "482913", "ttlSeconds": 300}}]}""")
    public record Request(
            @Schema(type = SchemaType.ARRAY, implementation = EventRequest.class) List<JsonNode> events) {
    }

    /**
     * One event's answer, at its {@code index} in the batch: the status the single endpoint would have answered
     * (202, with {@code duplicate} and the deliveries, when accepted), or a refusal's status and problem document.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(int index, int status, String eventId, Boolean duplicate,
            List<EventIntake.DeliveryView> deliveries, Problem problem) {
    }

    /** How many events were stored now, accepted again as duplicates, and refused; then each event's result. */
    public record Response(int accepted, int duplicates, int refused, List<Result> results) {
    }

    static Response of(List<EventIntake.Outcome> outcomes) {
        List<Result> results = new ArrayList<>(outcomes.size());
        int accepted = 0;
        int duplicates = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            EventIntake.Outcome outcome = outcomes.get(i);
            if (outcome.refused() != null) {
                ProblemException p = outcome.refused();
                results.add(new Result(i, p.status(), null, null, null,
                        Problem.of(p.status(), p.code(), p.title(), p.getMessage(), null, p.errors())));
                continue;
            }
            EventIntake.Accepted event = outcome.accepted();
            if (event.duplicate()) {
                duplicates++;
            } else {
                accepted++;
            }
            results.add(new Result(i, 202, event.eventId(), event.duplicate(), event.deliveries(), null));
        }
        return new Response(accepted, duplicates, outcomes.size() - accepted - duplicates, results);
    }
}
