package io.kessai.payment.status;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code GET /v1/status} (docs/payments.md, "Load shedding and status"): how it is cached and judged. */
@ConfigMapping(prefix = "kessai.payment.status")
public interface StatusConfig {

    /** One answer is computed at most this often, whatever the traffic; also its {@code Cache-Control: max-age}. */
    @WithDefault("1S")
    Duration cacheFor();

    /** A class that shed a request within this long makes the capabilities it serves {@code degraded}. */
    @WithDefault("30S")
    Duration shedWindow();

    /** The oldest receipt not yet handed to notification-service: older than this, receipts are {@code degraded}. */
    @WithDefault("1M")
    Duration receiptsDelayedAfter();

    /** ... and older than this, {@code down}: the relay is not getting them out. */
    @WithDefault("10M")
    Duration receiptsDownAfter();

    /** The database check (the receipt backlog) gives up after this; no answer means the database is down. */
    @WithDefault("1S")
    Duration checkTimeout();
}
