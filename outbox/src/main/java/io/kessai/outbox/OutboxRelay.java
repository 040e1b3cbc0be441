package io.kessai.outbox;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
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
 * Hands outbox rows to their destination: notification-service for events, another service for an idempotent call.
 * It claims due rows with {@code FOR UPDATE SKIP LOCKED} and a lease (safe on every replica), posts each with a
 * client-credentials token, and deletes it once accepted (any 2xx). Network errors, timeouts, 5xx and 429 back off and
 * retry, so a backlog drains when the destination returns; notification deduplicates by event id and other calls are
 * idempotent, which makes the at-least-once hand-over safe. 401 and 403 say the token is wrong, not the row (a scope
 * not granted yet): they retry too, with a new token. Any other 4xx means the row itself is wrong: it is kept as dead,
 * logged and counted, never retried blindly.
 * <p>
 * Each destination gets a token of its own that carries only the scopes its calls need ({@link OutboxConfig#scopes()}):
 * a token handed to notification-service cannot open or freeze wallets, whatever else this service's client may do.
 */
@ApplicationScoped
@Startup
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Pool pool;
    private final OutboxConfig config;
    private final ScopedTokens tokens;
    private final HttpClient http;
    private final Backoff backoff;
    private final MeterRegistry metrics;
    private final Map<String, String> scopes = new HashMap<>();
    private final AtomicLong backlog = new AtomicLong();

    OutboxRelay(Pool pool, OutboxConfig config, ScopedTokens tokens, Vertx vertx, MeterRegistry metrics) {
        this.pool = pool;
        this.config = config;
        this.tokens = tokens;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.timeout().toMillis()).setMaxPoolSize(8));
        this.backoff = new Backoff(config.initialBackoff(), config.maxBackoff());
        this.metrics = metrics;
        metrics.gauge("kessai.outbox.backlog", backlog);
        scopes.put(Outbox.NOTIFICATION, config.notificationScope());
        for (String destination : config.destinations().keySet()) {
            String scope = config.scopes().get(destination);
            if (scope == null || scope.isBlank()) {
                throw new IllegalStateException("kessai.outbox.scopes." + destination + " is not set: name the scopes "
                        + "the calls to " + destination
                        + " need (docs/security.md, \"Service clients and their scopes\")");
            }
            scopes.put(destination, scope.trim());
        }
    }

    record Pending(String eventId, String body, int attempt, String destination, String path) {
    }

    @Scheduled(every = "${kessai.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> poll() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return relayDue().flatMap(ignored -> measureBacklog())
                .onFailure().invoke(e -> LOG.warnf("Outbox relay poll failed: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Relays one batch of due events; returns how many were handled. */
    public Uni<Integer> relayDue() {
        return pool.preparedQuery("UPDATE kessai_outbox o SET attempts = o.attempts + 1, "
                + "next_attempt_at = now() + make_interval(secs => $2) "
                + "FROM (SELECT event_id FROM kessai_outbox k WHERE NOT dead AND next_attempt_at <= now() "
                // An ordered call waits while an earlier one with its key is undelivered (in flight or backing off).
                + "AND (ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM kessai_outbox earlier "
                + "WHERE earlier.ordering_key = k.ordering_key AND earlier.seq < k.seq AND NOT earlier.dead)) "
                + "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) due WHERE o.event_id = due.event_id "
                + "RETURNING o.event_id, o.body::text AS body, o.attempts, o.destination, o.path")
                .execute(Tuple.of(config.batchSize(), (double) config.lease().toSeconds()))
                .flatMap(rows -> {
                    Map<String, List<Pending>> byDestination = new LinkedHashMap<>();
                    for (Row row : rows) {
                        Pending pending = new Pending(row.getString("event_id"), row.getString("body"),
                                row.getInteger("attempts"), row.getString("destination"), row.getString("path"));
                        byDestination.computeIfAbsent(pending.destination(), ignored -> new ArrayList<>())
                                .add(pending);
                    }
                    return Multi.createFrom().iterable(byDestination.entrySet())
                            .onItem().transformToUniAndMerge(calls -> relayTo(calls.getKey(), calls.getValue()))
                            .collect().asList().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
                });
    }

    /** Relays the due calls to one destination with that destination's token. */
    private Uni<Integer> relayTo(String destination, List<Pending> due) {
        return accessToken(destination).flatMap(token -> Multi.createFrom().iterable(due)
                .onItem().transformToUniAndMerge(pending -> relay(pending, token))
                .collect().asList().map(List::size))
                .onFailure().recoverWithUni(tokenFailure -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndMerge(pending -> retryLater(pending,
                                "no token from auth-service: " + tokenFailure.getClass().getSimpleName()))
                        .collect().asList().map(List::size));
    }

    private Uni<Void> relay(Pending pending, String token) {
        URI base = Outbox.NOTIFICATION.equals(pending.destination())
                ? config.notificationUrl()
                : config.destinations().get(pending.destination());
        if (base == null) {
            return markDead(pending, "no URL for destination '" + pending.destination()
                    + "' (kessai.outbox.destinations." + pending.destination() + ")");
        }
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(base.resolve(pending.path()).toString())
                .setFollowRedirects(false)
                .setIdleTimeout(config.timeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + token);
        return http.request(request)
                .flatMap(outgoing -> outgoing.send(pending.body()))
                .flatMap(response -> response.body().map(body -> new int[]{response.statusCode()}))
                .ifNoItem().after(config.timeout()).fail()
                .flatMap(status -> outcome(pending, status[0]))
                .onFailure().recoverWithUni(e -> retryLater(pending, e.getClass().getSimpleName()));
    }

    private Uni<Void> outcome(Pending pending, int status) {
        if (status >= 200 && status < 300) {
            metrics.counter("kessai.outbox.relayed", "outcome", "delivered").increment();
            return pool.preparedQuery("DELETE FROM kessai_outbox WHERE event_id = $1")
                    .execute(Tuple.of(pending.eventId())).replaceWithVoid();
        }
        if ((status == 401 || status == 403) && scopes.containsKey(pending.destination())) {
            tokens.forget(scopes.get(pending.destination()));
        }
        if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 && status != 429) {
            return markDead(pending, "refused with HTTP " + status);
        }
        return retryLater(pending, "HTTP " + status);
    }

    private Uni<Void> markDead(Pending pending, String reason) {
        metrics.counter("kessai.outbox.relayed", "outcome", "dead").increment();
        LOG.errorf("Outbox row %s for %s%s was not accepted (%s); kept as dead", pending.eventId(),
                pending.destination(), pending.path(), reason);
        return pool.preparedQuery("UPDATE kessai_outbox SET dead = true, last_error = $2 WHERE event_id = $1")
                .execute(Tuple.of(pending.eventId(), reason)).replaceWithVoid();
    }

    private Uni<Void> retryLater(Pending pending, String reason) {
        metrics.counter("kessai.outbox.relayed", "outcome", "retried").increment();
        double waitSeconds = backoff.after(pending.attempt(), bound -> ThreadLocalRandom.current().nextLong(bound))
                .toMillis() / 1000.0;
        return pool.preparedQuery("UPDATE kessai_outbox SET next_attempt_at = now() + make_interval(secs => $2), "
                + "last_error = $3 WHERE event_id = $1")
                .execute(Tuple.of(pending.eventId(), waitSeconds, reason)).replaceWithVoid();
    }

    /**
     * The destination's client-credentials token, cached by {@link ScopedTokens}. A destination without scopes (only
     * a row naming one that is not configured, which is marked dead before it is sent) asks for no token at all.
     */
    private Uni<String> accessToken(String destination) {
        String scope = scopes.get(destination);
        return scope == null ? Uni.createFrom().item("") : tokens.token(scope);
    }

    private Uni<Void> measureBacklog() {
        return pool.query("SELECT count(*) AS n FROM kessai_outbox WHERE NOT dead").execute()
                .invoke(rows -> backlog.set(rows.iterator().next().getLong("n"))).replaceWithVoid();
    }
}
