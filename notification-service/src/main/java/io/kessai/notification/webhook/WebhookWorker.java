package io.kessai.notification.webhook;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.kessai.notification.NotificationConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sends merchant webhooks: claims due deliveries like the message worker ({@code SKIP LOCKED}, a lease), re-checks
 * the target address, POSTs the signed payload without following redirects, and retries anything but a 2xx with
 * backoff until the delivery's {@code give_up_at} (24 h after the event), when it is dead-lettered. A delivery to an
 * endpoint the merchant has removed is dead-lettered without a call, whenever it comes due (one still backing off at
 * the removal, or one queued by an event stored while the removal committed).
 */
@ApplicationScoped
public class WebhookWorker {

    private static final Logger LOG = Logger.getLogger(WebhookWorker.class);
    static final String ENDPOINT_REMOVED = "endpoint removed";

    private final Pool pool;
    private final TargetPolicy policy;
    private final NotificationConfig.Webhooks config;
    private final Backoff backoff;
    private final HttpClient http;
    private final MeterRegistry metrics;

    WebhookWorker(Pool pool, TargetPolicy policy, NotificationConfig config, Vertx vertx, MeterRegistry metrics) {
        this.pool = pool;
        this.policy = policy;
        this.config = config.webhooks();
        this.backoff = new Backoff(this.config.initialBackoff(), this.config.maxBackoff());
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) this.config.timeout().toMillis())
                .setMaxPoolSize(32));
        this.metrics = metrics;
    }

    record Claimed(long id, String eventId, String url, String secret, String payload, int attempt,
            Instant giveUpAt, boolean endpointActive) {
    }

    @Scheduled(every = "${kessai.notification.webhooks.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        return sendDue().onFailure().invoke(e -> LOG.warnf("Webhook poll failed: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    public Uni<Integer> sendDue() {
        return pool.preparedQuery("UPDATE webhook_delivery d SET attempts = d.attempts + 1, "
                + "next_attempt_at = now() + make_interval(secs => $2) "
                + "FROM (SELECT wd.id FROM webhook_delivery wd WHERE wd.status = 'pending' AND wd.next_attempt_at <= now() "
                + "ORDER BY wd.next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due, webhook_endpoint e "
                + "WHERE d.id = due.id AND e.id = d.endpoint_id "
                + "RETURNING d.id, d.event_id, e.url, e.secret, d.payload, d.attempts, d.give_up_at, e.active")
                .execute(Tuple.of(config.batchSize(), (double) config.lease().toSeconds()))
                .flatMap(rows -> {
                    List<Claimed> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        claimed.add(new Claimed(row.getLong("id"), row.getString("event_id"), row.getString("url"),
                                row.getString("secret"), row.getString("payload"), row.getInteger("attempts"),
                                row.getOffsetDateTime("give_up_at").toInstant(), row.getBoolean("active")));
                    }
                    return Multi.createFrom().iterable(claimed).onItem().transformToUniAndMerge(this::deliver)
                            .collect().asList().map(List::size);
                });
    }

    private Uni<Void> deliver(Claimed delivery) {
        if (!delivery.endpointActive()) {
            return removed(delivery);
        }
        return policy.addressProblemAsync(URI.create(delivery.url()).getHost())
                .flatMap(refused -> refused != null
                        ? failed(delivery, null, "target refused: " + refused)
                        : send(delivery));
    }

    private Uni<Void> send(Claimed delivery) {
        long timestamp = Instant.now().getEpochSecond();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(delivery.url())
                .setFollowRedirects(false)
                .setIdleTimeout(config.timeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "Kessai-Webhooks/1")
                .putHeader("Kessai-Event-Id", delivery.eventId())
                .putHeader("Kessai-Delivery-Id", String.valueOf(delivery.id()))
                .putHeader(WebhookSignature.HEADER, WebhookSignature.header(delivery.secret(), timestamp,
                        delivery.payload()));
        return http.request(request)
                .flatMap(outgoing -> outgoing.send(delivery.payload()))
                .flatMap(response -> response.body().map(ignored -> response.statusCode()))
                .ifNoItem().after(config.timeout()).fail()
                .flatMap(status -> status >= 200 && status < 300
                        ? sent(delivery, status)
                        : failed(delivery, status, "endpoint answered HTTP " + status))
                .onFailure().recoverWithUni(e -> failed(delivery, null, e.getClass().getSimpleName()));
    }

    private Uni<Void> sent(Claimed delivery, int status) {
        metrics.counter("kessai.notification.webhooks", "outcome", "sent").increment();
        return pool
                .preparedQuery("UPDATE webhook_delivery SET status = 'sent', delivered_at = now(), last_status = $2, "
                        + "last_error = NULL WHERE id = $1")
                .execute(Tuple.of(delivery.id(), status)).replaceWithVoid();
    }

    private Uni<Void> removed(Claimed delivery) {
        metrics.counter("kessai.notification.webhooks", "outcome", "dead").increment();
        LOG.infof("Webhook delivery %d dead-lettered without a call: its endpoint was removed", delivery.id());
        return pool.preparedQuery("UPDATE webhook_delivery SET status = 'dead', last_error = $2 WHERE id = $1")
                .execute(Tuple.of(delivery.id(), ENDPOINT_REMOVED)).replaceWithVoid();
    }

    private Uni<Void> failed(Claimed delivery, Integer status, String reason) {
        Instant next = Instant.now().plus(backoff.after(delivery.attempt(),
                bound -> ThreadLocalRandom.current().nextLong(bound)));
        boolean dead = next.isAfter(delivery.giveUpAt());
        metrics.counter("kessai.notification.webhooks", "outcome", dead ? "dead" : "retried").increment();
        LOG.infof("Webhook delivery %d attempt %d failed%s: %s", delivery.id(), delivery.attempt(),
                dead ? ", dead-lettered" : "", reason);
        return pool.preparedQuery("UPDATE webhook_delivery SET status = $2, next_attempt_at = $3, last_status = $4, "
                + "last_error = $5 WHERE id = $1")
                .execute(Tuple.tuple().addLong(delivery.id()).addString(dead ? "dead" : "pending")
                        .addOffsetDateTime(next.atOffset(java.time.ZoneOffset.UTC)).addInteger(status)
                        .addString(reason))
                .replaceWithVoid();
    }
}
