package io.kessai.notification.sms;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/** The development sender: no carrier; the message reaches only the dev inbox (where that is enabled). */
@ApplicationScoped
public class DevInboxSmsSender implements SmsSender {

    @Override
    public Uni<Void> send(String phone, String text, String reference) {
        return Uni.createFrom().voidItem();
    }
}
