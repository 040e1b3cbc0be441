package io.kessai.notification.devinbox;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.OutgoingMessage;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Copies of delivered SMS and mail for development, the local stack and the end-to-end tests, which read one-time
 * codes from it. It refuses to be enabled under the prod profile, so it cannot exist in production.
 */
@ApplicationScoped
public class DevInbox {

    private final Pool pool;
    private final boolean enabled;

    DevInbox(Pool pool, NotificationConfig config) {
        this.pool = pool;
        this.enabled = config.devInbox().enabled();
        refuseInProduction(enabled, ConfigUtils.getProfiles());
    }

    /** The dev inbox shows one-time codes: enabling it under the prod profile stops the service from starting. */
    static void refuseInProduction(boolean enabled, List<String> activeProfiles) {
        if (enabled && activeProfiles.contains("prod")) {
            throw new IllegalStateException("kessai.notification.dev-inbox.enabled must not be true in the prod "
                    + "profile: the dev inbox shows one-time codes (run the local stack with the local profile)");
        }
    }

    public boolean enabled() {
        return enabled;
    }

    public record Entry(long id, String channel, String recipient, String subject, String body,
            OffsetDateTime deliveredAt) {
    }

    /** Keeps a copy of a sent message, through {@code client} (the transaction that marks it sent). */
    public Uni<Void> keep(SqlClient client, OutgoingMessage message) {
        if (!enabled || message.channel() == Channel.PUSH) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery("INSERT INTO dev_inbox (channel, recipient, subject, body) VALUES ($1, $2, $3, $4)")
                .execute(Tuple.of(message.channel().wire(), message.recipient(), message.subject(), message.body()))
                .replaceWithVoid();
    }

    /** The newest messages first, optionally only those to one recipient. */
    public Uni<List<Entry>> read(String recipient, int limit) {
        return pool.preparedQuery("SELECT id, channel, recipient, subject, body, delivered_at FROM dev_inbox "
                + "WHERE $1::text IS NULL OR recipient = $1 ORDER BY id DESC LIMIT $2")
                .execute(Tuple.of(recipient, limit))
                .map(rows -> {
                    List<Entry> entries = new ArrayList<>();
                    for (Row row : rows) {
                        entries.add(new Entry(row.getLong("id"), row.getString("channel"), row.getString("recipient"),
                                row.getString("subject"), row.getString("body"),
                                row.getOffsetDateTime("delivered_at")));
                    }
                    return entries;
                });
    }
}
