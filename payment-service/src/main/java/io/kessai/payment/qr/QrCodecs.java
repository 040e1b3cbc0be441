package io.kessai.payment.qr;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.kessai.payment.PaymentConfig;

/**
 * The service's one {@link MpmCodec}, with the GUID from configuration ({@code kessai.payment.qr.guid}), and its
 * {@link PayDeeplink} ({@code kessai.payment.qr.deeplink-prefix}).
 */
@Singleton
class QrCodecs {

    @Produces
    @Singleton
    MpmCodec codec(PaymentConfig config) {
        return new MpmCodec(config.qr().guid());
    }

    @Produces
    @Singleton
    PayDeeplink deeplink(PaymentConfig config) {
        return new PayDeeplink(config.qr().deeplinkPrefix());
    }
}
