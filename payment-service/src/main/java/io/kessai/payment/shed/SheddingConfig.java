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
     * Requests in flight on this replica, of every class together; payments may use all of it. Sized by Little's law:
     * what a replica completes per second times the wait an accepted payment may have (250 ms). A 2-core machine
     * running the whole stack completes about 600 payments/s in a surge (docs/benchmarks.md), and with 64 places the
     * accepted payments' p99 stayed near 250 ms; 256 were a second of queue. Still above the database pool (20), so a
     * normal load never sheds. Raise it with the replica's measured throughput.
     */
    @WithDefault("64")
    int maxInFlight();

    /**
     * Of {@link #maxInFlight()}, the places only payments may take: any other class is refused once the requests in
     * flight of every class reach {@code max-in-flight - reserved-for-payments}, so a flood of reads never leaves a
     * payment without room.
     */
    @WithDefault("16")
    int reservedForPayments();

    /** Code creations and deletions in flight. */
    @WithDefault("16")
    int codesMaxInFlight();

    /** Reads in flight (payments, codes, listings, merchants, PNGs). */
    @WithDefault("32")
    int readsMaxInFlight();

    /** Other requests in flight (merchant applications, ops, internal calls). */
    @WithDefault("8")
    int otherMaxInFlight();

    /** What a refused request is told to wait (header {@code Retry-After}, whole seconds, at least 1). */
    @WithDefault("1S")
    Duration retryAfter();
}
