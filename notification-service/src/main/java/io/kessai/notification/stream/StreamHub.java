package io.kessai.notification.stream;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.kessai.notification.NotificationConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;

/**
 * Feeds the open SSE streams of this replica. Every replica LISTENs on {@code kessai_stream}; a NOTIFY names an
 * audience, and each of that audience's clients here fetches what it has not yet seen from {@code stream_event}. The
 * table, not the notification, is the source of truth: a client that reconnects with {@code Last-Event-ID} misses
 * nothing, and a lost notification is made up for by the next one or the next reconnect.
 *
 * <p>A replica is not ready until its LISTEN is in place: start-up waits for it (up to {@link #LISTEN_WAIT}), and
 * the readiness check {@link StreamListenerCheck} is DOWN while it is not (not yet connected, or reconnecting after
 * the connection was lost), so that no client is sent here to wait for announcements this replica would not hear.
 */
@ApplicationScoped
public class StreamHub {

    private static final Logger LOG = Logger.getLogger(StreamHub.class);
    /** How long start-up waits for LISTEN; after that the replica starts unready and keeps trying. */
    static final Duration LISTEN_WAIT = Duration.ofSeconds(30);
    private static final long RETRY_MS = 1_000;

    private final Map<String, Set<StreamClient>> clients = new ConcurrentHashMap<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Pool pool;
    private final Vertx vertx;
    private final NotificationConfig.Streams config;
    private final String databaseUrl;
    private final String databaseUser;
    private final Optional<String> databasePassword;
    private final CompletableFuture<Void> firstListen = new CompletableFuture<>();
    private volatile PgSubscriber subscriber;
    /** The connection on which LISTEN last succeeded; listening while it is the subscriber's current one. */
    private volatile PgConnection listeningOn;
    private volatile boolean stopped;
    private volatile boolean closing;
    private long heartbeatTimer = -1;

    StreamHub(Pool pool, Vertx vertx, NotificationConfig config, MeterRegistry metrics,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String databaseUrl,
            @ConfigProperty(name = "quarkus.datasource.username") String databaseUser,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> databasePassword) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config.streams();
        this.databaseUrl = databaseUrl;
        this.databaseUser = databaseUser;
        this.databasePassword = databasePassword;
        metrics.gauge("kessai.notification.streams.open", openStreams);
    }

    void start(@Observes StartupEvent event) {
        listen();
        heartbeatTimer = vertx.setPeriodic(config.heartbeat().toMillis(), id -> heartbeat());
        // Until LISTEN is in place, an event stored now would be announced to no one here: the application (and a
        // test right after start) must not run before it. Start-up events come on the main thread; an event loop is
        // never blocked (there, readiness alone tells).
        if (Context.isOnEventLoopThread()) {
            return;
        }
        try {
            firstListen.get(LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
            LOG.warnf("Not listening for stream events after %d s; not ready until the database answers",
                    LISTEN_WAIT.toSeconds());
        } catch (ExecutionException impossible) {
            LOG.warnf("Stream listener failed: %s", impossible.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Connects a subscriber and LISTENs. PgSubscriber reconnects by itself (and LISTENs again) after it lost a
     * connection, but not when its first connection fails: then a new one is tried a second later.
     */
    private void listen() {
        PgConnectOptions options = PgConnectOptions.fromUri(databaseUrl).setUser(databaseUser);
        databasePassword.filter(p -> !p.isEmpty()).ifPresent(options::setPassword);
        PgSubscriber candidate = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> RETRY_MS);
        candidate.channel(StreamPublisher.NOTIFY_CHANNEL)
                .subscribeHandler(() -> {
                    // Called after each successful LISTEN, the first and every one after a reconnect.
                    listeningOn = candidate.getDelegate().actualConnection();
                    firstListen.complete(null);
                    LOG.info("Listening for stream events");
                })
                .handler(this::onNotify);
        subscriber = candidate;
        candidate.connect().subscribe().with(connected -> {
        }, failure -> {
            LOG.warnf("Stream listener could not connect yet (retrying): %s", failure.toString());
            candidate.closeAndForget();
            if (!stopped) {
                vertx.setTimer(RETRY_MS, id -> {
                    if (!stopped) {
                        listen();
                    }
                });
            }
        });
    }

    /** Whether LISTEN is in place on the current connection, i.e. this replica hears every announcement now. */
    public boolean listening() {
        PgSubscriber current = subscriber;
        PgConnection listened = listeningOn;
        return current != null && listened != null && current.getDelegate().actualConnection() == listened;
    }

    /**
     * On SIGTERM, before the shutdown delay, a replica hands its streams over at once: it closes them, so their
     * clients reconnect to another replica with Last-Event-ID and miss nothing, and it refuses new ones. An open
     * stream is a request in flight that never ends by itself; left open, it would hold the shutdown for its whole
     * timeout.
     */
    void handOver(@Observes ShutdownDelayInitiatedEvent event) {
        closing = true;
        clients.values().forEach(set -> set.forEach(client -> client.sink.close()));
    }

    /** Whether this replica is shutting down and takes no new streams. */
    public boolean closing() {
        return closing;
    }

    void stop(@Observes ShutdownEvent event) {
        closing = true;
        stopped = true;
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        clients.values().forEach(set -> set.forEach(client -> client.sink.close()));
        PgSubscriber current = subscriber;
        if (current != null) {
            current.closeAndForget();
        }
    }

    /** Opens a stream: from {@code lastEventId} if the client resumes, else from the audience's newest event. */
    Uni<Void> open(StreamClient client, Long lastEventId) {
        Uni<Long> position = lastEventId != null
                ? Uni.createFrom().item(lastEventId)
                : pool.preparedQuery("SELECT coalesce(max(id), 0) AS id FROM stream_event WHERE audience = $1")
                        .execute(Tuple.of(client.audience)).map(rows -> rows.iterator().next().getLong("id"));
        return position.invoke(id -> {
            client.lastSentId.set(id);
            if (clients.computeIfAbsent(client.audience, a -> ConcurrentHashMap.newKeySet()).add(client)) {
                openStreams.incrementAndGet();
            }
            if (closing) {
                client.sink.close(); // shutdown began while this stream was opening: hand it over too
                return;
            }
            client.sink.send(client.sse.newEventBuilder().comment("connected").build());
            pump(client);
        }).replaceWithVoid();
    }

    private void onNotify(String payload) {
        int space = payload.lastIndexOf(' ');
        String audience = space > 0 ? payload.substring(0, space) : payload;
        Set<StreamClient> listening = clients.get(audience);
        if (listening != null) {
            listening.forEach(this::pump);
        }
    }

    private void pump(StreamClient client) {
        if (!client.pumping.compareAndSet(false, true)) {
            client.wokenWhilePumping.set(true);
            return;
        }
        client.wokenWhilePumping.set(false);
        pool.preparedQuery(
                "SELECT id, type, data FROM stream_event WHERE audience = $1 AND id > $2 ORDER BY id LIMIT $3")
                .execute(Tuple.of(client.audience, client.lastSentId.get(), config.batchSize()))
                .subscribe().with(rows -> {
                    for (Row row : rows) {
                        if (client.sink.isClosed()) {
                            remove(client);
                            break;
                        }
                        client.sink.send(client.sse.newEventBuilder()
                                .id(String.valueOf(row.getLong("id")))
                                .name(row.getString("type"))
                                .mediaType(MediaType.APPLICATION_JSON_TYPE)
                                .data(row.getJsonObject("data").encode())
                                .build());
                        client.lastSentId.set(row.getLong("id"));
                    }
                    client.pumping.set(false);
                    if (client.wokenWhilePumping.get() || rows.size() == config.batchSize()) {
                        pump(client);
                    }
                }, failure -> {
                    client.pumping.set(false);
                    LOG.warnf("Stream catch-up for %s failed: %s", client.audience, failure.toString());
                });
    }

    private void heartbeat() {
        clients.values().forEach(set -> set.forEach(client -> {
            if (client.sink.isClosed()) {
                remove(client);
            } else {
                client.sink.send(client.sse.newEventBuilder().comment("heartbeat").build());
            }
        }));
    }

    private void remove(StreamClient client) {
        Set<StreamClient> set = clients.get(client.audience);
        if (set != null && set.remove(client)) {
            openStreams.decrementAndGet();
            if (set.isEmpty()) {
                clients.remove(client.audience, set);
            }
        }
    }
}
