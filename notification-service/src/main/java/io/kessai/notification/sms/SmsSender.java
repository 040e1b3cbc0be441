package io.kessai.notification.sms;

import io.smallrye.mutiny.Uni;

/**
 * The SPI to an SMS carrier or aggregator. Implementations fail with
 * {@link io.kessai.notification.delivery.SendFailure}: permanent when the provider rejects the message (retrying
 * cannot help), transient otherwise.
 */
public interface SmsSender {

    /** @param reference our delivery id, for the provider's receipts and to deduplicate on its side */
    Uni<Void> send(String phone, String text, String reference);
}
