package io.kessai.notification.email;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.kessai.notification.NotificationConfig;
import io.kessai.notification.delivery.Channel;
import io.kessai.notification.delivery.OutgoingMessage;
import io.kessai.notification.delivery.SendFailure;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;

/**
 * An SMTP server that stops answering on a session (GreenMail did, in one test run, until its 30 s socket timeout)
 * fails the attempt after the send timeout, as a transient failure the delivery retries.
 */
class EmailChannelTimeoutTest {

    private static NotificationConfig config(Duration sendTimeout) {
        NotificationConfig.Email email = (NotificationConfig.Email) Proxy.newProxyInstance(
                EmailChannelTimeoutTest.class.getClassLoader(), new Class<?>[]{NotificationConfig.Email.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "sender" -> "smtp";
                    case "from" -> "Kessai <no-reply@kessai.io>";
                    case "sendTimeout" -> sendTimeout;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (NotificationConfig) Proxy.newProxyInstance(EmailChannelTimeoutTest.class.getClassLoader(),
                new Class<?>[]{NotificationConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("email")) {
                        return email;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aServerThatNeverAnswersFailsTheAttemptAfterTheSendTimeoutAsTransient() {
        ReactiveMailer silent = mails -> Uni.createFrom().nothing();
        EmailChannel channel = new EmailChannel(silent, config(Duration.ofMillis(200)));
        OutgoingMessage message = new OutgoingMessage(7, "evt-1", Channel.EMAIL, "hanako@example.jp", "ja", "Subject",
                "Body", 1);
        // Without the bound the send would never end, and the wait would fail with a timeout instead.
        SendFailure failure = assertThrows(SendFailure.class,
                () -> channel.send(message).await().atMost(Duration.ofSeconds(20)));
        assertFalse(failure.permanent(), "retried with backoff");
    }
}
