package io.kessai.wallet;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** wallet-service settings; each is documented in wallet-service/README.md. */
@ConfigMapping(prefix = "kessai.wallet")
public interface WalletConfig {

    /** The most a customer wallet may hold, in yen (a Payment Services Act style cap). Refunds may exceed it. */
    @WithDefault("1000000")
    long customerBalanceLimit();

    /** The largest amount one leg of a transfer, a hold or a reversal may move, in yen. */
    @WithDefault("100000000")
    long maxAmount();

    /** At most this many legs in one transfer. */
    @WithDefault("10")
    int maxLegs();

    /** Sub-accounts a new merchant account gets unless the request says otherwise; credits spread over them. */
    @WithDefault("16")
    int merchantSubAccounts();

    Holds holds();

    Ops ops();

    Batch batch();

    GroupCommit groupCommit();

    /** Single transfer requests posted together (docs/operations.md, "Group commit"). */
    interface GroupCommit {

        /** Off: every single request is its own transaction and commit, as before. */
        @WithDefault("true")
        boolean enabled();

        /**
         * How long the first request of a group waits for others before the group is posted; 0: it waits only while
         * {@link #inFlight()} groups are already being posted, so under light load nothing waits at all.
         */
        @WithDefault("0S")
        Duration window();

        /** The most requests in one group. */
        @WithDefault("64")
        int maxBatch();

        /**
         * Groups being posted at once, each on its own database connection; more requests wait and join the next. Two
         * keep the database busy while the service prepares the next group, with the largest groups and so the least
         * CPU per transfer (docs/benchmarks.md, "Ledger: group commit").
         */
        @WithDefault("2")
        int inFlight();
    }

    interface Batch {

        /** The most transfers one {@code POST /v1/internal/transfers/batch} may carry. */
        @WithDefault("200")
        int maxTransfers();
    }

    interface Ops {

        /** How recent an operator's step-up must be for an ops reversal. */
        @WithDefault("5M")
        Duration stepUpMaxAge();
    }

    History history();

    Invariants invariants();

    interface Holds {

        /** Expiry when the request names none. */
        @WithDefault("15M")
        Duration defaultExpiry();

        /** The longest a hold may last. */
        @WithDefault("7D")
        Duration maxExpiry();

        /** How often expired holds are released; until then an expired hold cannot be captured but still reserves. */
        @WithDefault("1S")
        Duration expiryPollInterval();

        @WithDefault("100")
        int expiryBatchSize();
    }

    interface History {

        @WithDefault("50")
        int defaultPageSize();

        @WithDefault("200")
        int maxPageSize();
    }

    interface Invariants {

        /** How often the scheduled invariant check runs over the whole ledger. */
        @WithDefault("5M")
        Duration checkInterval();
    }
}
