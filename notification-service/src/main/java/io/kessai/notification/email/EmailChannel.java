package io.kessai.notification.email;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.ChannelSender;
import io.kessai.notification.delivery.OutgoingMessage;
import io.kessai.notification.delivery.SendFailure;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;

/** Mail over SMTP through quarkus-mailer, or only into the dev inbox where no mail server exists. */
@ApplicationScoped
public class EmailChannel implements ChannelSender {

    private final ReactiveMailer mailer;
    private final NotificationConfig.Email config;

    EmailChannel(ReactiveMailer mailer, NotificationConfig config) {
        this.mailer = mailer;
        this.config = config.email();
        if (!"smtp".equals(this.config.sender()) && !"dev-inbox".equals(this.config.sender())) {
            throw new IllegalStateException(
                    "kessai.notification.email.sender must be smtp or dev-inbox, not " + this.config.sender());
        }
    }

    @Override
    public Channel channel() {
        return Channel.EMAIL;
    }

    @Override
    public Uni<Void> send(OutgoingMessage message) {
        if ("dev-inbox".equals(config.sender())) {
            return Uni.createFrom().voidItem();
        }
        Mail mail = Mail.withText(message.recipient(), message.subject(), message.body())
                .setFrom(config.from())
                .addHeader("X-Kessai-Delivery", String.valueOf(message.id()))
                .addHeader("Content-Language", message.locale());
        // A connection the server stopped answering on must not hold the delivery for the server's socket timeout.
        return mailer.send(mail).ifNoItem().after(config.sendTimeout()).failWith(() -> new SendFailure(
                "the SMTP server did not accept the mail within " + config.sendTimeout().toSeconds() + " s", false));
    }
}
