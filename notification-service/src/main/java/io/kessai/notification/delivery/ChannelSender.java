package io.kessai.notification.delivery;

import io.smallrye.mutiny.Uni;

/** Sends over one channel; fails with {@link SendFailure} (or any exception, taken as transient). */
public interface ChannelSender {

    Channel channel();

    Uni<Void> send(OutgoingMessage message);
}
