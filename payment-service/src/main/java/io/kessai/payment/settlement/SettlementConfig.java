package io.kessai.payment.settlement;

import java.math.BigDecimal;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Merchant settlement: the fee, and the job that settles closed business days and pays them out. */
@ConfigMapping(prefix = "kessai.payment.settlement")
public interface SettlementConfig {

    /**
     * The merchant fee as a fraction of a business day's net sales (payments less refunds and cancels): 0.0198 is
     * 1.98 %. Rounded down to the yen, in the merchant's favour; no fee on a day whose net sales are not positive.
     */
    @WithDefault("0.0198")
    BigDecimal feeRate();

    /** Whether this replica runs the settlement job on a timer (tests switch it off and call it directly). */
    @WithDefault("true")
    boolean enabled();

    /** How often the job looks for days to settle and payouts to reconcile. */
    @WithDefault("5M")
    Duration interval();

    /**
     * How long after a business day ends (midnight JST) the job waits before settling it, so that outcomes learned
     * late (a payment the reconciler completes, a cancel being reversed) are on the day's statement first.
     */
    @WithDefault("1H")
    Duration settleAfter();

    /** Merchants settled per run of the job (the rest wait for the next run). */
    @WithDefault("200")
    int batchSize();

    /** How long before a payout with an unknown outcome is asked about again, doubling up to max-retry. */
    @WithDefault("1M")
    Duration retry();

    @WithDefault("1H")
    Duration maxRetry();
}
