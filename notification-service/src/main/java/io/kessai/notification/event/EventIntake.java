package io.kessai.notification.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kessai.common.json.RequestDigest;
import io.kessai.common.problem.Problem;
import io.kessai.common.problem.ProblemException;
import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.SendLimits;
import io.kessai.notification.message.MessageTemplates;
import io.kessai.notification.webhook.WebhookFanout;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Accepts a typed event: checks it against the catalogue, renders its messages, and stores the event with one
 * delivery per channel and address in one transaction. A repeated event id with the same body is accepted again
 * without new deliveries; with a different body it is refused.
 */
@ApplicationScoped
public class EventIntake {

    private final Pool pool;
    private final MessageTemplates templates;
    private final SendLimits limits;
    private final ObjectMapper json;
    private final WebhookFanout webhooks;

    EventIntake(Pool pool, MessageTemplates templates, SendLimits limits, ObjectMapper json, WebhookFanout webhooks) {
        this.webhooks = webhooks;
        this.pool = pool;
        this.templates = templates;
        this.limits = limits;
        this.json = json;
    }

    public record Accepted(String eventId, boolean duplicate, List<DeliveryView> deliveries) {
    }

    public record DeliveryView(String channel, String status) {
    }

    /** One message to store: its channel, address, and rendered text (push carries the event as JSON instead). */
    record Planned(Channel channel, String recipient, String subject, String body) {
    }

    public Uni<Accepted> accept(EventRequest event) {
        EventType type = EventType.fromWire(event.type()).orElseThrow(() -> new ProblemException(400,
                "unknown-event-type", "Unknown event type",
                "'" + event.type() + "' is not in the catalogue: " + String.join(", ", EventType.catalogue())));
        checkData(type, event.data());
        List<Planned> planned = plan(type, event);
        String hash = RequestDigest.sha256(event);
        return pool.withTransaction(connection -> connection
                .preparedQuery("INSERT INTO event (event_id, type, body_sha256) VALUES ($1, $2, $3) "
                        + "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
                .execute(Tuple.of(event.eventId(), type.wire(), hash))
                .flatMap(inserted -> inserted.size() == 1
                        ? store(connection, event, planned)
                        : replay(connection, event.eventId(), hash)));
    }

    private Uni<Accepted> store(SqlConnection connection, EventRequest event, List<Planned> planned) {
        Uni<List<DeliveryView>> chain = Uni.createFrom().item(new ArrayList<>());
        for (Planned delivery : planned) {
            chain = chain.flatMap(views -> limits.statusFor(connection, delivery.channel(), delivery.recipient())
                    .flatMap(status -> connection.preparedQuery(
                            "INSERT INTO delivery (event_id, channel, recipient, locale, subject, body, status, last_error) "
                                    + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                            .execute(Tuple.tuple().addString(event.eventId()).addString(delivery.channel().wire())
                                    .addString(delivery.recipient()).addString(event.localeOrDefault())
                                    .addString(delivery.subject()).addString(delivery.body()).addString(status)
                                    .addString("limited".equals(status) ? "per-recipient send limit reached" : null))
                            .map(ignored -> {
                                limits.record(delivery.channel(), status);
                                views.add(new DeliveryView(delivery.channel().wire(), status));
                                return views;
                            })));
        }
        return chain.flatMap(views -> webhooks.queue(connection, event.recipient().merchantId(), event.type(),
                event.eventId(), pushPayload(EventType.fromWire(event.type()).orElseThrow(), event))
                .map(queued -> new Accepted(event.eventId(), false, List.copyOf(views))));
    }

    private Uni<Accepted> replay(SqlConnection connection, String eventId, String hash) {
        return connection.preparedQuery("SELECT e.body_sha256, d.channel, d.status FROM event e "
                + "LEFT JOIN delivery d ON d.event_id = e.event_id WHERE e.event_id = $1 ORDER BY d.id")
                .execute(Tuple.of(eventId))
                .map(rows -> {
                    List<DeliveryView> views = new ArrayList<>();
                    String storedHash = null;
                    for (var row : rows) {
                        storedHash = row.getString("body_sha256");
                        if (row.getString("channel") != null) {
                            views.add(new DeliveryView(row.getString("channel"), row.getString("status")));
                        }
                    }
                    if (!hash.equals(storedHash)) {
                        throw new ProblemException(422, "event-id-reused", "Event id reused",
                                "Event " + eventId + " was already accepted with a different body.");
                    }
                    return new Accepted(eventId, true, List.copyOf(views));
                });
    }

    private static void checkData(EventType type, Map<String, Object> data) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (DataField field : type.requiredData()) {
            field.problemWith(data).ifPresent(p -> errors.add(new Problem.FieldError("data." + field.key(), p)));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(400, "invalid-event", "Invalid event",
                    "The data of a " + type.wire() + " event is incomplete or invalid; see errors.", errors,
                    Map.of());
        }
    }

    private List<Planned> plan(EventType type, EventRequest event) {
        EventRequest.Recipient to = event.recipient();
        List<Planned> planned = new ArrayList<>();
        for (Channel channel : List.of(Channel.SMS, Channel.EMAIL, Channel.PUSH)) {
            if (!type.channels().contains(channel)) {
                continue;
            }
            switch (channel) {
                case SMS -> {
                    if (to.phone() != null) {
                        MessageTemplates.Message text = templates.render(type, channel, event.localeOrDefault(),
                                event.data());
                        planned.add(new Planned(channel, to.phone(), null, text.body()));
                    }
                }
                case EMAIL -> {
                    if (to.email() != null) {
                        MessageTemplates.Message text = templates.render(type, channel, event.localeOrDefault(),
                                event.data());
                        planned.add(new Planned(channel, to.email(), text.subject(), text.body()));
                    }
                }
                case PUSH -> {
                    String payload = pushPayload(type, event);
                    if (to.userId() != null) {
                        planned.add(new Planned(channel, "user:" + to.userId(), null, payload));
                    }
                    if (to.merchantId() != null) {
                        planned.add(new Planned(channel, "merchant:" + to.merchantId(), null, payload));
                    }
                }
            }
        }
        if (planned.isEmpty()) {
            throw new ProblemException(400, "invalid-event", "Invalid event",
                    "The recipient has no address for the channels of " + type.wire() + " ("
                            + type.channels().stream().map(Channel::wire).sorted().toList() + ").",
                    List.of(new Problem.FieldError("recipient", "needs an address for one of the type's channels")),
                    Map.of());
        }
        return planned;
    }

    private String pushPayload(EventType type, EventRequest event) {
        try {
            return json.writeValueAsString(Map.of("eventId", event.eventId(), "type", type.wire(), "data",
                    event.data() == null ? Map.of() : event.data()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
