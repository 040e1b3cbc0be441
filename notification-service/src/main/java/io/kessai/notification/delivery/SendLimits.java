package io.kessai.notification.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
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

    /** A delivery about to be stored: its channel and the number, address or stream it goes to. */
    public record Address(Channel channel, String recipient) {

        String key() {
            return channel.wire() + ":" + recipient;
        }
    }

    private static final class Sent {

        long lastHour;
        long lastDay;
    }

    /**
     * {@code pending} or {@code limited} for each delivery, in order, as if they were stored one after the other: an
     * earlier pending one counts against a later one to the same recipient. Push is never limited and costs no query;
     * the others take every recipient's lock (in one statement, in one global order, so that concurrent intakes queue
     * instead of deadlocking) and then count in one more, so that concurrent events count exactly.
     */
    public Uni<List<String>> statusesFor(SqlConnection connection, List<Address> deliveries) {
        TreeSet<String> keys = new TreeSet<>();
        Map<String, Address> byKey = new HashMap<>();
        for (Address delivery : deliveries) {
            if (delivery.channel() != Channel.PUSH) {
                keys.add(delivery.key());
                byKey.put(delivery.key(), delivery);
            }
        }
        if (keys.isEmpty()) {
            return Uni.createFrom().item(deliveries.stream().map(ignored -> "pending").toList());
        }
        String[] channels = keys.stream().map(key -> byKey.get(key).channel().wire()).toArray(String[]::new);
        String[] recipients = keys.stream().map(key -> byKey.get(key).recipient()).toArray(String[]::new);
        return connection.preparedQuery("SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT "
                + "hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS recipient_locks")
                .execute(Tuple.tuple().addArrayOfString(keys.toArray(String[]::new)))
                // Counted only once every lock is held: a statement sees what was committed when it began.
                .flatMap(locked -> connection.preparedQuery("SELECT k.channel, k.recipient, "
                        + "count(d.id) FILTER (WHERE d.created_at > now() - interval '1 hour') AS last_hour, "
                        + "count(d.id) AS last_day FROM unnest($1::text[], $2::text[]) AS k(channel, recipient) "
                        + "LEFT JOIN delivery d ON d.channel = k.channel AND d.recipient = k.recipient "
                        + "AND d.status IN ('pending', 'sent') AND d.created_at > now() - interval '1 day' "
                        + "GROUP BY k.channel, k.recipient")
                        .execute(Tuple.tuple().addArrayOfString(channels).addArrayOfString(recipients)))
                .map(rows -> {
                    Map<String, Sent> sent = new HashMap<>();
                    for (Row row : rows) {
                        Sent counts = new Sent();
                        counts.lastHour = row.getLong("last_hour");
                        counts.lastDay = row.getLong("last_day");
                        sent.put(row.getString("channel") + ":" + row.getString("recipient"), counts);
                    }
                    List<String> statuses = new ArrayList<>(deliveries.size());
                    for (Address delivery : deliveries) {
                        Sent counts = sent.get(delivery.key());
                        if (counts == null) {
                            statuses.add("pending");
                            continue;
                        }
                        boolean over = delivery.channel() == Channel.SMS
                                ? counts.lastHour >= config.smsPerRecipientPerHour()
                                        || counts.lastDay >= config.smsPerRecipientPerDay()
                                : counts.lastHour >= config.emailPerRecipientPerHour();
                        if (!over) {
                            counts.lastHour++;
                            counts.lastDay++;
                        }
                        statuses.add(over ? "limited" : "pending");
                    }
                    return statuses;
                });
    }

    public void record(Channel channel, String status) {
        if ("limited".equals(status)) {
            metrics.counter("kessai.notification.deliveries", "channel", channel.wire(), "outcome", "limited")
                    .increment();
        }
    }
}
