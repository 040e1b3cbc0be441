package io.kessai.notification.event;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Accepts typed events: checks each against the catalogue, renders its messages, and stores the events with one
 * delivery per channel and address in one transaction. A repeated event id with the same body is accepted again
 * without new deliveries; with a different body it is refused. A batch is judged event by event exactly as single
 * events are, in its order, and stored with a few set-based statements, whatever its size; a refused event stores
 * nothing and never fails the others.
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

    /** An event of a batch as read from the request: the event, or the problem that kept it from being read. */
    public record Candidate(EventRequest event, ProblemException unreadable) {

        public static Candidate of(EventRequest event) {
            return new Candidate(event, null);
        }

        public static Candidate refused(ProblemException problem) {
            return new Candidate(null, problem);
        }
    }

    /** What became of one event: accepted (perhaps again, as a duplicate), or refused with a problem. */
    public record Outcome(Accepted accepted, ProblemException refused) {

        /** Whether this event was stored now, so that it has deliveries to send. */
        public boolean stored() {
            return accepted != null && !accepted.duplicate();
        }
    }

    /** One message to store: its channel, address, and rendered text (push carries the event as JSON instead). */
    record Planned(Channel channel, String recipient, String subject, String body) {
    }

    /** An event that passed every check the database is not needed for, with what to store if its id is new. */
    private record Judged(int index, EventRequest event, EventType type, String hash, List<Planned> planned,
            String pushPayload) {

        String eventId() {
            return event.eventId();
        }
    }

    /** An event id as the transaction leaves it: the body it was first accepted with and its deliveries. */
    private record Stored(String hash, boolean storedNow, List<DeliveryView> deliveries) {
    }

    /** A single event; a refusal fails the Uni with its problem. */
    public Uni<Accepted> accept(EventRequest event) {
        return acceptAll(List.of(Candidate.of(event))).map(outcomes -> {
            Outcome outcome = outcomes.get(0);
            if (outcome.refused() != null) {
                throw outcome.refused();
            }
            return outcome.accepted();
        });
    }

    /**
     * A batch, one outcome per candidate in its order. Everything that needs no database is judged first; the events
     * that pass are stored in one transaction: their ids in one statement, the deliveries in another and the webhooks
     * in a third, plus a lookup of the ids that were there already and the send limits of SMS and mail.
     */
    public Uni<List<Outcome>> acceptAll(List<Candidate> candidates) {
        Outcome[] outcomes = new Outcome[candidates.size()];
        List<Judged> judged = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            if (candidate.unreadable() != null) {
                outcomes[i] = new Outcome(null, candidate.unreadable());
                continue;
            }
            try {
                judged.add(judge(i, candidate.event()));
            } catch (ProblemException refused) {
                outcomes[i] = new Outcome(null, refused);
            }
        }
        if (judged.isEmpty()) {
            return Uni.createFrom().item(Arrays.asList(outcomes));
        }
        // The first event of the batch with an id decides what is stored under it, as if the events came one by one.
        Map<String, Judged> firsts = new LinkedHashMap<>();
        judged.forEach(event -> firsts.putIfAbsent(event.eventId(), event));
        return pool.withTransaction(connection -> store(connection, List.copyOf(firsts.values())))
                .map(stored -> {
                    for (Judged event : judged) {
                        Stored under = stored.get(event.eventId());
                        outcomes[event.index()] = outcome(event, under, firsts.get(event.eventId()) == event);
                    }
                    for (Judged first : firsts.values()) {
                        Stored under = stored.get(first.eventId());
                        if (under.storedNow()) {
                            for (int d = 0; d < first.planned().size(); d++) {
                                limits.record(first.planned().get(d).channel(), under.deliveries().get(d).status());
                            }
                        }
                    }
                    return Arrays.asList(outcomes);
                });
    }

    private static Outcome outcome(Judged event, Stored under, boolean first) {
        if (under.storedNow() && first) {
            return new Outcome(new Accepted(event.eventId(), false, under.deliveries()), null);
        }
        if (event.hash().equals(under.hash())) {
            return new Outcome(new Accepted(event.eventId(), true, under.deliveries()), null);
        }
        return new Outcome(null, new ProblemException(422, "event-id-reused", "Event id reused",
                "Event " + event.eventId() + " was already accepted with a different body."));
    }

    private Judged judge(int index, EventRequest event) {
        EventType type = EventType.fromWire(event.type()).orElseThrow(() -> new ProblemException(400,
                "unknown-event-type", "Unknown event type",
                "'" + event.type() + "' is not in the catalogue: " + String.join(", ", EventType.catalogue())));
        checkData(type, event.data());
        // Push deliveries and webhooks (payment events, all of them push types) carry the event as JSON.
        String pushPayload = type.channels().contains(Channel.PUSH) ? pushPayload(type, event) : null;
        return new Judged(index, event, type, RequestDigest.sha256(event), plan(type, event, pushPayload),
                pushPayload);
    }

    private Uni<Map<String, Stored>> store(SqlConnection connection, List<Judged> firsts) {
        // In id order, so that two batches that share ids (a relay's retry) wait for each other instead of deadlocking.
        List<Judged> byId = firsts.stream().sorted(Comparator.comparing(Judged::eventId)).toList();
        return connection.preparedQuery("INSERT INTO event (event_id, type, body_sha256) "
                + "SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) "
                + "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
                .execute(Tuple.tuple()
                        .addArrayOfString(byId.stream().map(Judged::eventId).toArray(String[]::new))
                        .addArrayOfString(byId.stream().map(event -> event.type().wire()).toArray(String[]::new))
                        .addArrayOfString(byId.stream().map(Judged::hash).toArray(String[]::new)))
                .flatMap(inserted -> {
                    Set<String> storedNow = new HashSet<>();
                    inserted.forEach(row -> storedNow.add(row.getString("event_id")));
                    List<Judged> fresh = firsts.stream().filter(event -> storedNow.contains(event.eventId()))
                            .toList();
                    List<String> known = firsts.stream().map(Judged::eventId)
                            .filter(id -> !storedNow.contains(id)).toList();
                    return storeDeliveries(connection, fresh)
                            .flatMap(stored -> known.isEmpty()
                                    ? Uni.createFrom().item(stored)
                                    : replay(connection, known).map(replayed -> {
                                        stored.putAll(replayed);
                                        return stored;
                                    }));
                });
    }

    private Uni<Map<String, Stored>> storeDeliveries(SqlConnection connection, List<Judged> fresh) {
        Map<String, Stored> stored = new HashMap<>();
        if (fresh.isEmpty()) {
            return Uni.createFrom().item(stored);
        }
        List<SendLimits.Address> addresses = new ArrayList<>();
        fresh.forEach(event -> event.planned()
                .forEach(delivery -> addresses.add(new SendLimits.Address(delivery.channel(), delivery.recipient()))));
        return limits.statusesFor(connection, addresses).flatMap(statuses -> {
            int n = statuses.size();
            String[] eventIds = new String[n];
            String[] channels = new String[n];
            String[] recipients = new String[n];
            String[] locales = new String[n];
            String[] subjects = new String[n];
            String[] bodies = new String[n];
            String[] errors = new String[n];
            int d = 0;
            for (Judged event : fresh) {
                List<DeliveryView> views = new ArrayList<>();
                for (Planned delivery : event.planned()) {
                    String status = statuses.get(d);
                    eventIds[d] = event.eventId();
                    channels[d] = delivery.channel().wire();
                    recipients[d] = delivery.recipient();
                    locales[d] = event.event().localeOrDefault();
                    subjects[d] = delivery.subject();
                    bodies[d] = delivery.body();
                    errors[d] = "limited".equals(status) ? "per-recipient send limit reached" : null;
                    views.add(new DeliveryView(delivery.channel().wire(), status));
                    d++;
                }
                stored.put(event.eventId(), new Stored(event.hash(), true, List.copyOf(views)));
            }
            return connection.preparedQuery("INSERT INTO delivery (event_id, channel, recipient, locale, subject, "
                    + "body, status, last_error) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
                    + "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[])")
                    .execute(Tuple.tuple().addArrayOfString(eventIds).addArrayOfString(channels)
                            .addArrayOfString(recipients).addArrayOfString(locales).addArrayOfString(subjects)
                            .addArrayOfString(bodies).addArrayOfString(statuses.toArray(String[]::new))
                            .addArrayOfString(errors))
                    .flatMap(inserted -> webhooks.queue(connection, fresh.stream()
                            .map(event -> new WebhookFanout.Event(event.eventId(),
                                    event.event().recipient().merchantId(), event.type().wire(),
                                    event.pushPayload()))
                            .toList()))
                    .replaceWith(stored);
        });
    }

    /** What is stored under ids that were there before this transaction: their first body's hash and deliveries. */
    private Uni<Map<String, Stored>> replay(SqlConnection connection, List<String> eventIds) {
        return connection.preparedQuery("SELECT e.event_id, e.body_sha256, d.channel, d.status FROM event e "
                + "LEFT JOIN delivery d ON d.event_id = e.event_id WHERE e.event_id = ANY($1) "
                + "ORDER BY e.event_id, d.id")
                .execute(Tuple.tuple().addArrayOfString(eventIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, String> hashes = new HashMap<>();
                    Map<String, List<DeliveryView>> views = new HashMap<>();
                    for (Row row : rows) {
                        String eventId = row.getString("event_id");
                        hashes.put(eventId, row.getString("body_sha256"));
                        List<DeliveryView> ofEvent = views.computeIfAbsent(eventId, id -> new ArrayList<>());
                        if (row.getString("channel") != null) {
                            ofEvent.add(new DeliveryView(row.getString("channel"), row.getString("status")));
                        }
                    }
                    Map<String, Stored> replayed = new HashMap<>();
                    hashes.forEach((eventId, hash) -> replayed.put(eventId,
                            new Stored(hash, false, List.copyOf(views.get(eventId)))));
                    return replayed;
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

    private List<Planned> plan(EventType type, EventRequest event, String pushPayload) {
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
                    if (to.userId() != null) {
                        planned.add(new Planned(channel, "user:" + to.userId(), null, pushPayload));
                    }
                    if (to.merchantId() != null) {
                        planned.add(new Planned(channel, "merchant:" + to.merchantId(), null, pushPayload));
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
