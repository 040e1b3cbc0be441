package io.kessai.notification;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** notification-service settings; each is documented in notification-service/README.md. */
@ConfigMapping(prefix = "kessai.notification")
public interface NotificationConfig {

    Events events();

    Delivery delivery();

    Sms sms();

    Email email();

    Limits limits();

    DevInbox devInbox();

    Streams streams();

    Webhooks webhooks();

    interface Webhooks {

        /** A delivery is retried for this long after the event, then dead-lettered. */
        @WithDefault("24H")
        Duration retryFor();

        @WithDefault("10S")
        Duration initialBackoff();

        @WithDefault("1H")
        Duration maxBackoff();

        /** Connect plus response time allowed to a merchant's endpoint. */
        @WithDefault("10S")
        Duration timeout();

        @WithDefault("20")
        int batchSize();

        @WithDefault("60S")
        Duration lease();

        @WithDefault("1S")
        Duration pollInterval();

        /**
         * Hosts exempt from the private-address refusal and allowed over plain http. For tests only (a receiver on
         * loopback); never set it in production, where it would reopen SSRF.
         */
        Optional<java.util.List<String>> testAllowedHosts();
    }

    interface Streams {

        /** A comment line sent to every open stream this often, so proxies keep it open and dead clients are found. */
        @WithDefault("15S")
        Duration heartbeat();

        /** Events sent per catch-up query; a client further behind gets the rest in the next batch. */
        @WithDefault("100")
        int batchSize();
    }

    interface Events {

        /**
         * Events one {@code POST /v1/internal/events/batch} may carry. A payment receipt is about 450 bytes as the
         * outbox relay sends it, so 100 of them take about 45 KiB, within the 64 KiB body limit
         * ({@code quarkus.http.limits.max-body-size}), which stays the hard bound for bigger events.
         */
        @WithDefault("100")
        int batchMaxEvents();
    }

    interface Delivery {

        /** How often each replica's worker looks for due deliveries (read by the scheduler). */
        @WithDefault("1S")
        Duration pollInterval();

        /**
         * How long the text of a dead or limited delivery is kept for redelivery; then it is cleared, since it may
         * hold a one-time code that has long expired anyway.
         */
        @WithDefault("24H")
        Duration unsentTextRetention();

        /** Attempts before a delivery is dead-lettered. */
        @WithDefault("8")
        int maxAttempts();

        /** Wait before the second attempt; it doubles with each further attempt, with jitter. */
        @WithDefault("2S")
        Duration initialBackoff();

        @WithDefault("10M")
        Duration maxBackoff();

        /** Deliveries one worker claims at a time. */
        @WithDefault("20")
        int batchSize();

        /**
         * A run (a poll, or the nudge after an accepted event) claims batch after batch while they come back full, up
         * to this many, so that a burst goes out in one run instead of one batch per poll.
         */
        @WithDefault("50")
        int maxBatchesPerRun();

        /** How long a claimed delivery is hidden from other workers; it is retried after that if its worker died. */
        @WithDefault("60S")
        Duration lease();
    }

    interface Sms {

        /** {@code dev-inbox} (no carrier: messages only reach the dev inbox) or {@code http} (a provider's API). */
        @WithDefault("dev-inbox")
        String sender();

        /** The SMS provider's send endpoint (http sender): receives JSON {@code {to, text, reference}}. */
        Optional<URI> httpUrl();

        /** Bearer API key for the provider, from a Secret. */
        Optional<String> httpApiKey();

        @WithDefault("5S")
        Duration httpTimeout();
    }

    interface Email {

        /** {@code smtp} (quarkus-mailer) or {@code dev-inbox} (no mail server: messages only reach the dev inbox). */
        @WithDefault("smtp")
        String sender();

        @WithDefault("Kessai <no-reply@kessai.io>")
        String from();

        /**
         * The longest one mail may take to hand to the SMTP server; past it the attempt fails and is retried with
         * backoff, rather than holding the delivery until the server's own socket timeout (often 30 s or more).
         */
        @WithDefault("10S")
        Duration sendTimeout();
    }

    /** Per-recipient send limits against SMS pumping and mail bombing; deliveries over them are recorded as limited. */
    interface Limits {

        /**
         * A backstop above the callers' own limits: auth-service sends at most 5 codes an hour to a number, and its
         * security alerts (new device, factor change) come on top; a limit of 5 here could drop a sign-in code.
         */
        @WithDefault("10")
        int smsPerRecipientPerHour();

        @WithDefault("20")
        int smsPerRecipientPerDay();

        @WithDefault("30")
        int emailPerRecipientPerHour();
    }

    interface DevInbox {

        /** Keep copies of delivered SMS and email readable at /v1/dev/inbox. Refused at start in the prod profile. */
        @WithDefault("false")
        boolean enabled();
    }
}
