package io.kessai.notification.delivery;

/** A claimed delivery on its way out. {@code body} is the rendered text, or for push the event as JSON. */
public record OutgoingMessage(long id, String eventId, Channel channel, String recipient, String locale,
        String subject, String body, int attempt) {
}
