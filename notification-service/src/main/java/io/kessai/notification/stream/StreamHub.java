package io.kessai.notification.stream;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.kessai.notification.NotificationConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Feeds the open SSE streams of this replica. Every replica LISTENs on {@code kessai_stream}; a NOTIFY names an
 * audience, and each of that audience's clients here fetches what it has not yet seen from {@code stream_event}. The
 * table, not the notification, is the source of truth: a client that reconnects with {@code Last-Event-ID} misses
 * nothing, and a lost notification is made up for by the next one or the next reconnect.
 */
@ApplicationScoped
public class StreamHub {

    private static final Logger LOG = Logger.getLogger(StreamHub.class);

    private final Map<String, Set<StreamClient>> clients = new ConcurrentHashMap<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final Pool pool;
    private final Vertx vertx;
    private final NotificationConfig.Streams config;
    private final String databaseUrl;
    private final String databaseUser;
    private final Optional<String> databasePassword;
    private PgSubscriber subscriber;
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
        PgConnectOptions options = PgConnectOptions.fromUri(databaseUrl).setUser(databaseUser);
        databasePassword.filter(p -> !p.isEmpty()).ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1_000L);
        subscriber.channel(StreamPublisher.NOTIFY_CHANNEL).handler(this::onNotify);
        subscriber.connect().subscribe().with(connected -> LOG.info("Listening for stream events"),
                failure -> LOG.warnf("Stream listener could not connect yet: %s", failure.toString()));
        heartbeatTimer = vertx.setPeriodic(config.heartbeat().toMillis(), id -> heartbeat());
    }

    void stop(@Observes ShutdownEvent event) {
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        clients.values().forEach(set -> set.forEach(client -> client.sink.close()));
        if (subscriber != null) {
            subscriber.closeAndForget();
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
