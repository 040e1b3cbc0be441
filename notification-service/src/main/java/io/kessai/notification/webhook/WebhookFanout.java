package io.kessai.notification.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/** Queues one webhook delivery per subscribed endpoint of the merchant, in the transaction that stores the event. */
@ApplicationScoped
public class WebhookFanout {

    private final long retryForSeconds;

    WebhookFanout(NotificationConfig config) {
        this.retryForSeconds = config.webhooks().retryFor().toSeconds();
    }

    public Uni<Integer> queue(SqlConnection connection, String merchantId, String type, String eventId,
            String payload) {
        if (merchantId == null || !WebhookResource.EVENT_TYPES.contains(type)) {
            return Uni.createFrom().item(0);
        }
        return connection.preparedQuery("INSERT INTO webhook_delivery (endpoint_id, event_id, payload, status, "
                + "give_up_at) SELECT id, $1, $2, 'pending', now() + make_interval(secs => $3) FROM webhook_endpoint "
                + "WHERE merchant_id = $4 AND active AND $5 = ANY (event_types)")
                .execute(Tuple.of(eventId, payload, (double) retryForSeconds, merchantId, type))
                .map(rows -> rows.rowCount());
    }
}
