package io.kessai.payment.shed;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Inbound load shedding (docs/payments.md, "Load shedding and status"): how much work may be in flight, in all and per
 * {@link EndpointClass}, before a request is refused at once.
 */
@ConfigMapping(prefix = "kessai.payment.shedding")
public interface SheddingConfig {

    /** Off: every request is taken on, and none is counted (the in-flight gauges stay at 0). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Requests in flight on this replica, of every class together; payments may use all of it. Well above what the
     * database pool (20) and the wallet bulkhead (64 in flight) serve at once, so that only a real pile-up sheds.
     */
    @WithDefault("256")
    int maxInFlight();

    /**
     * Of {@link #maxInFlight()}, the places only payments may take: any other class is refused once the requests in
     * flight of every class reach {@code max-in-flight - reserved-for-payments}, so a flood of reads never leaves a
     * payment without room.
     */
    @WithDefault("64")
    int reservedForPayments();

    /** Code creations and deletions in flight. */
    @WithDefault("64")
    int codesMaxInFlight();

    /** Reads in flight (payments, codes, listings, merchants, PNGs). */
    @WithDefault("128")
    int readsMaxInFlight();

    /** Other requests in flight (merchant applications, ops, internal calls). */
    @WithDefault("32")
    int otherMaxInFlight();

    /** What a refused request is told to wait (header {@code Retry-After}, whole seconds, at least 1). */
    @WithDefault("1S")
    Duration retryAfter();
}
