package io.kessai.notification.stream;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * One open stream: whose events it carries and the id of the last one sent. Catch-up runs one at a time per client,
 * and a wake-up during a run schedules one more, so events go out in id order, none twice, none missed.
 */
final class StreamClient {

    final String audience;
    final SseEventSink sink;
    final Sse sse;
    final AtomicLong lastSentId;
    final AtomicBoolean pumping = new AtomicBoolean();
    final AtomicBoolean wokenWhilePumping = new AtomicBoolean();

    StreamClient(String audience, SseEventSink sink, Sse sse, long lastSentId) {
        this.audience = audience;
        this.sink = sink;
        this.sse = sse;
        this.lastSentId = new AtomicLong(lastSentId);
    }
}
