package io.kessai.payment;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** payment-service's settings (docs/payments.md, "Settings"). */
@ConfigMapping(prefix = "kessai.payment")
public interface PaymentConfig {

    Qr qr();

    Merchants merchants();

    interface Qr {

        /** Sub-tag 00 of our merchant account template (QR tag 26): a reverse domain name, 1 to 32 characters. */
        @WithDefault("io.kessai")
        String guid();
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
}
