package io.kessai.notification.webhook;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Queues one webhook delivery per subscribed endpoint of each event's merchant, in the transaction that stores the
 * events: one statement for all the events of an intake, however many merchants they name.
 */
@ApplicationScoped
public class WebhookFanout {

    private final long retryForSeconds;

    WebhookFanout(NotificationConfig config) {
        this.retryForSeconds = config.webhooks().retryFor().toSeconds();
    }

    /** A stored event as a webhook carries it. */
    public record Event(String eventId, String merchantId, String type, String payload) {
    }

    public Uni<Integer> queue(SqlConnection connection, List<Event> events) {
        List<Event> forMerchants = events.stream()
                .filter(event -> event.merchantId() != null && WebhookResource.EVENT_TYPES.contains(event.type()))
                .toList();
        if (forMerchants.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return connection.preparedQuery("INSERT INTO webhook_delivery (endpoint_id, event_id, payload, status, "
                + "give_up_at) SELECT e.id, k.event_id, k.payload, 'pending', now() + make_interval(secs => $1) "
                + "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS k(event_id, merchant_id, type, payload) "
                + "JOIN webhook_endpoint e ON e.merchant_id = k.merchant_id AND e.active AND k.type = ANY (e.event_types)")
                .execute(Tuple.tuple().addDouble((double) retryForSeconds)
                        .addArrayOfString(forMerchants.stream().map(Event::eventId).toArray(String[]::new))
                        .addArrayOfString(forMerchants.stream().map(Event::merchantId).toArray(String[]::new))
                        .addArrayOfString(forMerchants.stream().map(Event::type).toArray(String[]::new))
                        .addArrayOfString(forMerchants.stream().map(Event::payload).toArray(String[]::new)))
                .map(rows -> rows.rowCount());
    }
}
