package io.kessai.outbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.kessai.common.retry.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Hands outbox rows to their destination: notification-service for events, another service for an idempotent call.
 * It claims due rows with {@code FOR UPDATE SKIP LOCKED} and a lease (safe on every replica), posts them with a
 * client-credentials token, and deletes each once accepted (any 2xx). Network errors, timeouts, 5xx and 429 back off
 * and retry, so a backlog drains when the destination returns; notification deduplicates by event id and other calls
 * are idempotent, which makes the at-least-once hand-over safe. 401 and 403 say the token is wrong, not the row (a
 * scope not granted yet): they retry too, with a new token. Any other 4xx means the row itself is wrong: it is kept
 * as dead, logged and counted, never retried blindly.
 * <p>
 * Notification events of one claim go out together, in one {@code POST /v1/internal/events/batch} (or a few, by size),
 * and each event's own result in the answer is handled as a single answer would be. A notification-service that does
 * not know the batch endpoint yet (404 or 405, during a rolling upgrade) gets one request per event for
 * {@link OutboxConfig#singleEventsFor()}. Calls to other services stay one request each. What became of the rows of a
 * destination is written in at most three statements (delivered, dead, retried), and a full claim is followed by the
 * next at once ({@link #drain()}), so a backlog drains at the speed of the destination.
 * <p>
 * Each destination gets a token of its own that carries only the scopes its calls need ({@link OutboxConfig#scopes()}):
 * a token handed to notification-service cannot open or freeze wallets, whatever else this service's client may do.
 */
@ApplicationScoped
@Startup
public class OutboxRelay {

    /** Where {@link Outbox#enqueue} sends an event, and where a batch of them goes. */
    static final String EVENTS_PATH = "/v1/internal/events";
    static final String EVENT_BATCH_PATH = "/v1/internal/events/batch";

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final Pool pool;
    private final OutboxConfig config;
    private final ScopedTokens tokens;
    private final HttpClient http;
    private final Backoff backoff;
    private final MeterRegistry metrics;
    private final Map<String, String> scopes = new HashMap<>();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile boolean stopping;
    /** {@link System#nanoTime()} until which events go one per request; 0 while batches are used. */
    private volatile long singleEventsUntil;

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

    private enum Kind {
        DELIVERED, DEAD, RETRY
    }

    /** What became of one row's hand-over, written with the others of its destination. */
    private record Outcome(Pending pending, Kind kind, String reason) {
    }

    /** One look at the table: the rows claimed, and how many of them left the queue (delivered or dead). */
    private record Look(int claimed, int done) {
    }

    private record Answer(int status, String body) {
    }

    @Scheduled(every = "${kessai.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> poll() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return drainAlone().flatMap(ignored -> measureBacklog())
                .onFailure().invoke(e -> LOG.warnf("Outbox relay poll failed: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Drains now instead of at the next poll, without waiting for it: for a service to call after a transaction that
     * enqueued rows has committed ({@link Outbox#wakeRelay()}). At most one drain runs per replica; a wake-up during
     * one makes it look once more when it ends, so a burst of commits costs one drain, not one per commit.
     */
    public void wake() {
        if (!config.enabled() || stopping) {
            return;
        }
        drainAlone().subscribe().with(handled -> {
        }, failure -> LOG.debugf("Outbox drain failed (the next poll retries): %s", failure.toString()));
    }

    private Uni<Integer> drainAlone() {
        // Set before the attempt, cleared by the drain that starts: a wake-up that finds a drain running is seen by it.
        woken.set(true);
        if (!draining.compareAndSet(false, true)) {
            return Uni.createFrom().item(0);
        }
        return Uni.createFrom().deferred(() -> {
            woken.set(false);
            return drain();
        }).onTermination().invoke(() -> {
            draining.set(false);
            if (woken.get()) {
                wake();
            }
        });
    }

    /**
     * Relays due rows batch after batch, while batches come back full and something in them got through (during an
     * outage one batch a poll is tried, as before), up to {@link OutboxConfig#maxBatchesPerDrain()} batches and never
     * once the application is stopping. Returns how many rows were handled. Safe beside any other drain (rows are
     * claimed with SKIP LOCKED); the scheduled poll and {@link #wake()} run one at a time.
     */
    public Uni<Integer> drain() {
        return drain(1, 0);
    }

    private Uni<Integer> drain(int batch, int handledBefore) {
        return look().flatMap(look -> {
            int handled = handledBefore + look.claimed();
            boolean more = look.claimed() == config.batchSize() && look.done() > 0
                    && batch < config.maxBatchesPerDrain() && !stopping;
            return more ? drain(batch + 1, handled) : Uni.createFrom().item(handled);
        });
    }

    /** Relays one batch of due rows; returns how many were handled. */
    public Uni<Integer> relayDue() {
        return look().map(Look::claimed);
    }

    /** Tries the batch endpoint again at once after a fallback to single events (tests; a restart does the same). */
    public void resumeBatches() {
        singleEventsUntil = 0;
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    private Uni<Look> look() {
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
                            .collect().asList()
                            .map(done -> new Look(rows.size(), done.stream().mapToInt(Integer::intValue).sum()));
                });
    }

    /** Relays the due rows of one destination with that destination's token; returns how many left the queue. */
    private Uni<Integer> relayTo(String destination, List<Pending> due) {
        return accessToken(destination)
                .onItemOrFailure().transformToUni((token, tokenFailure) -> tokenFailure != null
                        ? Uni.createFrom().item(retryAll(due,
                                "no token from auth-service: " + tokenFailure.getClass().getSimpleName()))
                        : handOver(destination, due, token))
                .flatMap(this::record);
    }

    private Uni<List<Outcome>> handOver(String destination, List<Pending> due, String token) {
        URI base = Outbox.NOTIFICATION.equals(destination)
                ? config.notificationUrl()
                : config.destinations().get(destination);
        if (base == null) {
            String reason = "no URL for destination '" + destination + "' (kessai.outbox.destinations." + destination
                    + ")";
            return Uni.createFrom().item(due.stream().map(pending -> new Outcome(pending, Kind.DEAD, reason)).toList());
        }
        List<Uni<List<Outcome>>> requests = new ArrayList<>();
        List<Pending> events = new ArrayList<>();
        for (Pending pending : due) {
            if (Outbox.NOTIFICATION.equals(destination) && EVENTS_PATH.equals(pending.path()) && batching()) {
                events.add(pending);
            } else {
                requests.add(post(base, pending, token).map(List::of));
            }
        }
        chunks(events).forEach(chunk -> requests.add(postBatch(base, chunk, token)));
        return Multi.createFrom().iterable(requests).onItem().transformToUniAndMerge(request -> request)
                .collect().asList()
                .map(parts -> parts.stream().flatMap(List::stream).toList());
    }

    private boolean batching() {
        long until = singleEventsUntil;
        return until == 0 || System.nanoTime() - until >= 0;
    }

    /** The events in batches within notification-service's limits of count and size; an event too big goes alone. */
    private List<List<Pending>> chunks(List<Pending> events) {
        List<List<Pending>> chunks = new ArrayList<>();
        long maxBytes = config.notificationBatchMaxBytes().asLongValue();
        List<Pending> chunk = new ArrayList<>();
        long bytes = 0;
        for (Pending event : events) {
            long size = event.body().getBytes(StandardCharsets.UTF_8).length + 1L;
            if (!chunk.isEmpty() && (chunk.size() == config.notificationBatchMaxEvents()
                    || bytes + size > maxBytes)) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(event);
            bytes += size;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }

    private Uni<List<Outcome>> postBatch(URI base, List<Pending> events, String token) {
        String body = events.stream().map(Pending::body).collect(Collectors.joining(",", "{\"events\":[", "]}"));
        return send(base.resolve(EVENT_BATCH_PATH), body, token)
                .onItemOrFailure().transformToUni((answer, failure) -> {
                    if (failure != null) {
                        return Uni.createFrom().item(retryAll(events, failure.getClass().getSimpleName()));
                    }
                    int status = answer.status();
                    if (status >= 200 && status < 300) {
                        return Uni.createFrom().item(results(events, answer.body()));
                    }
                    if (status == 404 || status == 405) {
                        LOG.infof("notification-service answered %d to the batch endpoint (a version without it): "
                                + "events go one per request for %s", status, config.singleEventsFor());
                        singleEventsUntil = System.nanoTime() + Math.max(1, config.singleEventsFor().toNanos());
                        return postEach(base, events, token);
                    }
                    if (status == 401 || status == 403) {
                        tokens.forget(scopes.get(Outbox.NOTIFICATION));
                        return Uni.createFrom().item(retryAll(events, "HTTP " + status));
                    }
                    if (refusedForGood(status)) {
                        // The batch as a whole was refused (too large for a changed limit, say), not its events:
                        // each goes alone and gets an answer of its own, so none is made dead for the others.
                        LOG.warnf("notification-service refused a batch of %d events with HTTP %d; sending them one "
                                + "by one", events.size(), status);
                        return postEach(base, events, token);
                    }
                    return Uni.createFrom().item(retryAll(events, "HTTP " + status));
                });
    }

    /** Each event's result in a batch's answer, taken as the answer to a request of its own. */
    private List<Outcome> results(List<Pending> events, String body) {
        try {
            JsonArray results = new JsonObject(body).getJsonArray("results");
            if (results == null || results.size() != events.size()) {
                throw new IllegalArgumentException("not one result per event");
            }
            List<Outcome> outcomes = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                JsonObject result = results.getJsonObject(i);
                if (result.getInteger("index") != i) {
                    throw new IllegalArgumentException("results out of order");
                }
                JsonObject problem = result.getJsonObject("problem");
                outcomes.add(outcome(events.get(i), result.getInteger("status"),
                        problem == null ? null : problem.getString("code")));
            }
            return outcomes;
        } catch (RuntimeException unreadable) {
            // Accepted as a whole, but which event fared how is unknown: all are sent again (deduplicated by id).
            return retryAll(events, "unreadable answer from the batch endpoint");
        }
    }

    private Uni<List<Outcome>> postEach(URI base, List<Pending> due, String token) {
        return Multi.createFrom().iterable(due).onItem().transformToUniAndMerge(pending -> post(base, pending, token))
                .collect().asList();
    }

    private Uni<Outcome> post(URI base, Pending pending, String token) {
        return send(base.resolve(pending.path()), pending.body(), token)
                .map(answer -> outcome(pending, answer.status(), null))
                .onFailure().recoverWithItem(e -> retry(pending, e.getClass().getSimpleName()));
    }

    private Uni<Answer> send(URI target, String body, String token) {
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(target.toString())
                .setFollowRedirects(false)
                .setIdleTimeout(config.timeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + token);
        return http.request(request)
                .flatMap(outgoing -> outgoing.send(body))
                .flatMap(response -> response.body().map(answer -> new Answer(response.statusCode(),
                        answer.toString())))
                .ifNoItem().after(config.timeout()).fail();
    }

    private Outcome outcome(Pending pending, int status, String problemCode) {
        if (status >= 200 && status < 300) {
            return new Outcome(pending, Kind.DELIVERED, null);
        }
        if ((status == 401 || status == 403) && scopes.containsKey(pending.destination())) {
            tokens.forget(scopes.get(pending.destination()));
        }
        if (refusedForGood(status)) {
            return new Outcome(pending, Kind.DEAD,
                    "refused with HTTP " + status + (problemCode == null ? "" : " (" + problemCode + ")"));
        }
        return retry(pending, "HTTP " + status);
    }

    /** A 4xx that names the request, not the token (401, 403), the time (408) or the load (429). */
    private static boolean refusedForGood(int status) {
        return status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 && status != 429;
    }

    private Outcome retry(Pending pending, String reason) {
        return new Outcome(pending, Kind.RETRY, reason);
    }

    private List<Outcome> retryAll(List<Pending> due, String reason) {
        return due.stream().map(pending -> retry(pending, reason)).toList();
    }

    /**
     * Writes what became of the rows: one DELETE for the delivered, one UPDATE for the dead and one for those to retry
     * (each after its own backoff). Returns how many left the queue.
     */
    private Uni<Integer> record(List<Outcome> outcomes) {
        List<String> delivered = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        List<String> deadReasons = new ArrayList<>();
        List<String> retried = new ArrayList<>();
        List<Double> waitsSeconds = new ArrayList<>();
        List<String> retryReasons = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            Pending pending = outcome.pending();
            switch (outcome.kind()) {
                case DELIVERED -> delivered.add(pending.eventId());
                case DEAD -> {
                    LOG.errorf("Outbox row %s for %s%s was not accepted (%s); kept as dead", pending.eventId(),
                            pending.destination(), pending.path(), outcome.reason());
                    dead.add(pending.eventId());
                    deadReasons.add(outcome.reason());
                }
                case RETRY -> {
                    retried.add(pending.eventId());
                    waitsSeconds.add(backoff.after(pending.attempt(),
                            bound -> ThreadLocalRandom.current().nextLong(bound)).toMillis() / 1000.0);
                    retryReasons.add(outcome.reason());
                }
            }
        }
        count("delivered", delivered.size());
        count("dead", dead.size());
        count("retried", retried.size());
        Uni<Void> written = Uni.createFrom().voidItem();
        if (!delivered.isEmpty()) {
            written = written.flatMap(ignored -> pool
                    .preparedQuery("DELETE FROM kessai_outbox WHERE event_id = ANY($1)")
                    .execute(Tuple.tuple().addArrayOfString(delivered.toArray(String[]::new))).replaceWithVoid());
        }
        if (!dead.isEmpty()) {
            written = written.flatMap(ignored -> pool.preparedQuery("UPDATE kessai_outbox o SET dead = true, "
                    + "last_error = f.reason FROM unnest($1::text[], $2::text[]) AS f(event_id, reason) "
                    + "WHERE o.event_id = f.event_id")
                    .execute(Tuple.tuple().addArrayOfString(dead.toArray(String[]::new))
                            .addArrayOfString(deadReasons.toArray(String[]::new)))
                    .replaceWithVoid());
        }
        if (!retried.isEmpty()) {
            written = written.flatMap(ignored -> pool.preparedQuery("UPDATE kessai_outbox o "
                    + "SET next_attempt_at = now() + make_interval(secs => f.wait_seconds), last_error = f.reason "
                    + "FROM unnest($1::text[], $2::float8[], $3::text[]) AS f(event_id, wait_seconds, reason) "
                    + "WHERE o.event_id = f.event_id")
                    .execute(Tuple.tuple().addArrayOfString(retried.toArray(String[]::new))
                            .addArrayOfDouble(waitsSeconds.toArray(Double[]::new))
                            .addArrayOfString(retryReasons.toArray(String[]::new)))
                    .replaceWithVoid());
        }
        return written.replaceWith(delivered.size() + dead.size());
    }

    private void count(String outcome, int rows) {
        if (rows > 0) {
            metrics.counter("kessai.outbox.relayed", "outcome", outcome).increment(rows);
        }
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
