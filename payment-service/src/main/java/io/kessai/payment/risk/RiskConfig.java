package io.kessai.payment.risk;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The risk engine's rules, each a named setting (docs/payments.md, "The risk engine"). The per-payment and daily
 * limits of spending stay where part 1 put them ({@code kessai.payment.payments.max-amount}, {@code daily-limit}).
 */
@ConfigMapping(prefix = "kessai.payment.risk")
public interface RiskConfig {

    /** How long a step-up token counts as fresh for a money movement (read by {@link Actors}). */
    @WithDefault("5M")
    Duration stepUpMaxAge();

    /** The most a customer may spend (payments and person-to-person) in a calendar month (JST), in yen. */
    @WithDefault("3000000")
    long monthlyLimit();

    /** A single spend above this many yen needs a step-up (a large payment). */
    @WithDefault("100000")
    long stepUpAmount();

    /** How long a movement held for a step-up or a review waits before it fails ({@code risk-hold-expired}). */
    @WithDefault("15M")
    Duration holdExpiry();

    Velocity velocity();

    NewDevice newDevice();

    FirstCard firstCard();

    Topups topups();

    TopupThenSpend topupThenSpend();

    Offline offline();

    /** Spending per window: many payments in a short time is how a stolen account is emptied. */
    interface Velocity {

        @WithDefault("10M")
        Duration window();

        /** With this one, more spends in the window than this need a step-up. */
        @WithDefault("20")
        int stepUpCount();

        /** With this one, more spends in the window than this are refused. */
        @WithDefault("60")
        int denyCount();

        /** With this one, more yen spent in the window than this need a step-up. */
        @WithDefault("200000")
        long stepUpAmount();

        /** With this one, more yen spent in the window than this are refused. */
        @WithDefault("600000")
        long denyAmount();
    }

    /** A device a second factor bound only recently (or whose binding time is unknown) is trusted less. */
    interface NewDevice {

        /** A device bound less than this long ago is new. */
        @WithDefault("24H")
        Duration age();

        /** A spend above this many yen from a new device needs a step-up. */
        @WithDefault("10000")
        long stepUpAmount();

        /** A spend above this many yen from a new device is refused, step-up or not. */
        @WithDefault("100000")
        long denyAmount();
    }

    /** The first top-up with a card (a stolen card is used at once). */
    interface FirstCard {

        /** A first top-up with a card above this many yen needs a step-up. */
        @WithDefault("10000")
        long stepUpAmount();

        /** A first top-up with a card above this many yen is refused. */
        @WithDefault("100000")
        long denyAmount();
    }

    /** Top-ups from cards. */
    interface Topups {

        /** The most one top-up may be, in yen. */
        @WithDefault("100000")
        long maxAmount();

        /** The most a customer may top up in a business day (JST), in yen. */
        @WithDefault("300000")
        long dailyLimit();
    }

    /**
     * The 7pay pattern: card top-ups followed within minutes by spending most of them. A spend that brings what was
     * spent since the window's card top-ups to {@code share} of them needs a step-up; when a top-up of the window used
     * a card for the first time, or the spend comes from a new device, a step-up is not enough: it is held for ops to
     * review.
     */
    interface TopupThenSpend {

        @WithDefault("30M")
        Duration window();

        /** Top-ups in the window below this many yen in all do not trigger the rule. */
        @WithDefault("10000")
        long minTopups();

        /** The share of the window's top-ups whose spending triggers the rule (0 to 1). */
        @WithDefault("0.5")
        double share();
    }

    /** Payments of offline-derived codes (CPM): the code proves the key, not a second factor now. */
    interface Offline {

        /** An offline payment above this many yen needs the customer to confirm in the app. */
        @WithDefault("10000")
        long maxAmount();

        /** Offline payments above this many yen in a business day (JST) need the customer to confirm in the app. */
        @WithDefault("30000")
        long dailyLimit();
    }
}
