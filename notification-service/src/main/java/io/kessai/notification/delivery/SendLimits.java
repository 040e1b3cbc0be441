package io.kessai.notification.delivery;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Per-recipient send limits: SMS costs money and is an abuse target (SMS pumping, toll fraud), mail can be used to
 * bomb an inbox. A delivery over a limit is stored as {@code limited}, counted, visible to ops, and never sent.
 */
@ApplicationScoped
public class SendLimits {

    private final NotificationConfig.Limits config;
    private final MeterRegistry metrics;

    SendLimits(NotificationConfig config, MeterRegistry metrics) {
        this.config = config.limits();
        this.metrics = metrics;
    }

    /** {@code pending} or {@code limited}; serialised per recipient so that concurrent events count exactly. */
    public Uni<String> statusFor(SqlConnection connection, Channel channel, String recipient) {
        if (channel == Channel.PUSH) {
            return Uni.createFrom().item("pending");
        }
        return connection.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of(channel.wire() + ":" + recipient))
                .flatMap(locked -> connection.preparedQuery("SELECT "
                        + "count(*) FILTER (WHERE created_at > now() - interval '1 hour') AS last_hour, "
                        + "count(*) AS last_day FROM delivery WHERE channel = $1 AND recipient = $2 "
                        + "AND status IN ('pending', 'sent') AND created_at > now() - interval '1 day'")
                        .execute(Tuple.of(channel.wire(), recipient)))
                .map(rows -> {
                    var row = rows.iterator().next();
                    long lastHour = row.getLong("last_hour");
                    long lastDay = row.getLong("last_day");
                    boolean over = channel == Channel.SMS
                            ? lastHour >= config.smsPerRecipientPerHour() || lastDay >= config.smsPerRecipientPerDay()
                            : lastHour >= config.emailPerRecipientPerHour();
                    return over ? "limited" : "pending";
                });
    }

    public void record(Channel channel, String status) {
        if ("limited".equals(status)) {
            metrics.counter("kessai.notification.deliveries", "channel", channel.wire(), "outcome", "limited")
                    .increment();
        }
    }
}
