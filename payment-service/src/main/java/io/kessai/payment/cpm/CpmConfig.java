package io.kessai.payment.cpm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Customer-presented codes and payment keys (docs/payments.md, "Customer-presented codes (CPM)"). */
@ConfigMapping(prefix = "kessai.payment.cpm")
public interface CpmConfig {

    /** The time step codes are derived for; the app must use the same (the key's issuance tells it). */
    @WithDefault("30s")
    Duration step();

    /** The longest a code is accepted, counted from the start of its time step. */
    @WithDefault("60s")
    Duration window();

    /** How far ahead of this server's clock a device's clock may be. */
    @WithDefault("5s")
    Duration clockSkew();

    /**
     * The file holding the AES-256 key (base64, 32 bytes) that seals payment keys at rest: a mounted Secret in
     * production. Unset, payment keys and CPM payments are off: their endpoints answer 503 and nothing else changes.
     */
    Optional<Path> sealKeyFile();

    /** Whether a missing seal key file is generated at start (dev and test only: a key under target/). */
    @WithDefault("false")
    boolean generateSealKey();

    /** Failed codes a till may submit in one throttle window before it gets 429. */
    @WithDefault("10")
    int maxFailuresPerTill();

    /** Failed codes naming one device reference in one throttle window before that reference gets 429. */
    @WithDefault("5")
    int maxFailuresPerDevice();

    /** The throttle window for failed codes. */
    @WithDefault("15m")
    Duration failureWindow();
}
