package io.kessai.payment;

import java.net.URI;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** payment-service's settings (docs/payments.md, "Settings"). */
@ConfigMapping(prefix = "kessai.payment")
public interface PaymentConfig {

    Qr qr();

    Merchants merchants();

    Codes codes();

    Payments payments();

    Reconcile reconcile();

    Wallet wallet();

    Groups groups();

    P2p p2p();

    interface Qr {

        /** Sub-tag 00 of our merchant account template (QR tag 26): a reverse domain name, 1 to 32 characters. */
        @WithDefault("io.kessai")
        String guid();

        /** What the customer app opens: the payload is appended, URL-encoded. */
        @WithDefault("kessai://pay?qr=")
        String deeplinkPrefix();
    }

    interface Merchants {

        /** The most stores one application may list. */
        @WithDefault("50")
        int maxStores();

        /** Sub-accounts of a merchant's ledger account, opened on approval, so lunchtime payments do not queue. */
        @WithDefault("16")
        int ledgerSubAccounts();

        /** Largest page of the ops review list and of an owner's merchants. */
        @WithDefault("100")
        int maxPageSize();
    }

    interface Codes {

        /** How long an order code can be paid when the till names no expiry. */
        @WithDefault("5M")
        Duration defaultExpiry();

        /** The shortest expiry a till may ask for. */
        @WithDefault("30S")
        Duration minExpiry();

        /** The longest: an order code is for the customer at the counter, not an invoice. */
        @WithDefault("1H")
        Duration maxExpiry();
    }

    interface Payments {

        /** The most one payment may be, in yen (a limit of the "may this happen?" gate). */
        @WithDefault("500000")
        long maxAmount();

        /** The most one customer may pay in a business day (JST), in yen. */
        @WithDefault("1000000")
        long dailyLimit();

        /** How long after a payment its till may still cancel it (PayPay allows the rest of the day). */
        @WithDefault("24H")
        Duration cancelWindow();

        /** Largest page of a payment listing. */
        @WithDefault("100")
        int maxPageSize();
    }

    interface Reconcile {

        /** Whether this replica's reconciler runs on its schedule (tests run it themselves). */
        @WithDefault("true")
        boolean enabled();

        /** How often each replica looks for payments and refunds whose outcome is unknown. */
        @WithDefault("1S")
        Duration interval();

        /** How long after it was sent a payment is left to its own request before the reconciler re-posts it. */
        @WithDefault("5S")
        Duration grace();

        /**
         * How long after it was first sent a transfer's refusal is taken as final. A request that timed out here can
         * still be queued in wallet-service (its statement and lock timeouts bound that to 13 s); only after this long
         * can no earlier copy still post, so only then does a refused re-post mean the payment failed.
         */
        @WithDefault("30S")
        Duration refusalHorizon();

        /** The most rows one replica settles per pass. */
        @WithDefault("100")
        int batchSize();

        /** The longest wait between two tries of one row. */
        @WithDefault("1M")
        Duration maxBackoff();
    }

    interface Wallet {

        /** wallet-service's internal URL. */
        @WithDefault("http://localhost:8082")
        URI url();

        /** How long a call may take before its outcome counts as unknown (the payment stays pending). */
        @WithDefault("2S")
        Duration timeout();
    }

    /** Payments recorded, posted and settled together (docs/payments.md, "Group commit"). */
    interface Groups {

        /** The most payments in one group (one wallet-service batch: keep it within wallet's batch limit, 200). */
        @WithDefault("64")
        int maxPayments();

        /** The most groups in flight at once; a payment waits for a place only while this many are. */
        @WithDefault("4")
        int inFlight();

        /** How long the first payment of a group waits for others; 0: only while in-flight groups are full. */
        @WithDefault("0S")
        Duration window();
    }

    /** Person-to-person transfers (docs/payments.md, "Person-to-person transfers"). */
    interface P2p {

        /** auth-service's internal URL, where phone numbers are resolved to recipients. */
        @WithDefault("http://localhost:8081")
        URI authUrl();

        /** How long resolving a number may take before the transfer is refused with 503 (nothing recorded). */
        @WithDefault("2S")
        Duration authTimeout();

        /**
         * How many distinct phone numbers one sender may look up in {@link #lookupWindow()}: enough for everyday use,
         * too few to find out which numbers belong to customers. Retries of one number count once.
         */
        @WithDefault("10")
        int lookupsPerWindow();

        /** The window of {@link #lookupsPerWindow()}. */
        @WithDefault("1H")
        Duration lookupWindow();

        /** Largest page of a transfer listing. */
        @WithDefault("100")
        int maxPageSize();
    }
}
