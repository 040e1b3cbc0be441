package io.kessai.notification.sms;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.ChannelSender;
import io.kessai.notification.delivery.OutgoingMessage;
import io.smallrye.mutiny.Uni;

/** The SMS channel, sending through the {@link SmsSender} that {@code kessai.notification.sms.sender} names. */
@ApplicationScoped
public class SmsChannel implements ChannelSender {

    private final SmsSender sender;

    SmsChannel(NotificationConfig config, DevInboxSmsSender devInbox, HttpSmsSender http) {
        this.sender = switch (config.sms().sender()) {
            case "dev-inbox" -> devInbox;
            case "http" -> http;
            default -> throw new IllegalStateException(
                    "kessai.notification.sms.sender must be dev-inbox or http, not " + config.sms().sender());
        };
    }

    @Override
    public Channel channel() {
        return Channel.SMS;
    }

    @Override
    public Uni<Void> send(OutgoingMessage message) {
        return sender.send(message.recipient(), message.body(), String.valueOf(message.id()));
    }
}
