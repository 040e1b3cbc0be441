package io.kessai.outbox;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import io.kessai.common.security.Scopes;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the outbox relay (docs/notifications.md, "The callers' outbox"). */
@ConfigMapping(prefix = "kessai.outbox")
public interface OutboxConfig {

    /** Relay events from this replica; every replica may, they share the table safely. */
    @WithDefault("true")
    boolean enabled();

    /** Base URL of notification-service. */
    @WithDefault("http://localhost:8084")
    URI notificationUrl();

    /**
     * Base URLs of the other services this one calls through the outbox, by the destination name used in
     * {@link Outbox#call} (e.g. {@code kessai.outbox.destinations.wallet=http://wallet-service:8082}).
     */
    Map<String, URI> destinations();

    /**
     * The scopes the relay asks for in the token it sends to notification-service: only what delivering events needs,
     * so that a token that reaches notification-service could never move money, whatever else the client may do.
     */
    @WithDefault(Scopes.NOTIFICATION_EVENTS_SEND)
    String notificationScope();

    /**
     * The scopes (space-separated) of the token sent to each of {@link #destinations()}, by the same name, e.g.
     * {@code kessai.outbox.scopes.wallet=wallet:customers.open wallet:customers.freeze}. Each destination gets a
     * token of its own, carrying only what the calls to it need. A destination without scopes stops the start.
     */
    Map<String, String> scopes();

    /** Base URL of auth-service, where the relay gets its client-credentials token. */
    String authUrl();

    /** This service's client id at auth-service (client-credentials); feeds quarkus.oidc-client.client-id. */
    @WithDefault("unset")
    String clientId();

    /** Its secret, from a Kubernetes Secret or the local stack; feeds quarkus.oidc-client.credentials.secret. */
    @WithDefault("unset")
    String clientSecret();

    /** How often each replica looks for due rows when nothing woke it ({@link Outbox#wakeRelay()}). */
    @WithDefault("1S")
    Duration pollInterval();

    /** Rows claimed at a time; notification events of one claim go out in one batch (or a few, by size). */
    @WithDefault("50")
    int batchSize();

    /**
     * After a full batch the relay claims the next at once, until one comes back short, nothing in a batch got
     * through, or this many batches were relayed in one drain: a backlog drains at the speed of the destination, not
     * one batch per poll, and one drain still ends.
     */
    @WithDefault("50")
    int maxBatchesPerDrain();

    /**
     * The most events in one {@code POST /v1/internal/events/batch}: notification-service's own limit
     * ({@code kessai.notification.events.batch-max-events}).
     */
    @WithDefault("100")
    int notificationBatchMaxEvents();

    /**
     * The largest body of one batch of events; a claim whose events are bigger is sent in several. Below
     * notification-service's 64 KiB body limit, with room for the batch's own brackets.
     */
    @WithDefault("48K")
    MemorySize notificationBatchMaxBytes();

    /**
     * After notification-service answered the batch endpoint with 404 or 405 (a version without it, during a rolling
     * upgrade), events go one per request for this long; then the batch endpoint is tried again.
     */
    @WithDefault("5M")
    Duration singleEventsFor();

    /** A claimed row is hidden from other relays this long; a relay that died mid-send is taken over after it. */
    @WithDefault("30S")
    Duration lease();

    @WithDefault("1S")
    Duration initialBackoff();

    /** Cap of the wait between tries: the backlog drains within this after notification-service returns. */
    @WithDefault("1M")
    Duration maxBackoff();

    @WithDefault("5S")
    Duration timeout();
}
