package io.kessai.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.restassured.path.json.JsonPath;

/**
 * A server-sent event stream read as a till or an app reads it: opened with a bearer token, read on a thread of its
 * own, each event ({@code id}, {@code event}, {@code data}) queued for the test to take with a bounded wait.
 */
final class EventStream implements AutoCloseable {

    /** One event; {@code data} is its JSON payload. */
    record Event(String id, String type, JsonPath data) {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<Event> skipped = new ArrayList<>();
    private final CountDownLatch connected = new CountDownLatch(1);
    private final Stream<String> lines;

    private EventStream(Stream<String> lines) {
        this.lines = lines;
        Thread reader = new Thread(this::read, "event-stream");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens the stream and returns once the server has said {@code :connected}: a stream without Last-Event-ID starts
     * with the next event, so an event sent after this returns is never missed.
     */
    static EventStream open(URI url, String bearer) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).header("Authorization", "Bearer " + bearer)
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode(), "the stream " + url + " opens");
        EventStream stream = new EventStream(response.body());
        if (!stream.connected.await(30, TimeUnit.SECONDS)) {
            stream.close();
            fail("the stream " + url + " said nothing within 30 s");
        }
        return stream;
    }

    /** The next event of {@code type}, waiting up to {@code timeout}; events of other types are passed over. */
    Event next(String type, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                fail("no " + type + " event within " + timeout.toSeconds() + " s; passed over: " + skipped);
            }
            if (event.type().equals(type)) {
                return event;
            }
            skipped.add(event);
        }
    }

    private void read() {
        String id = null;
        String type = "message";
        StringBuilder data = new StringBuilder();
        Iterator<String> reader = lines.iterator();
        while (hasNext(reader)) {
            String line = reader.next();
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    events.add(new Event(id, type, JsonPath.from(data.toString())));
                }
                type = "message";
                data.setLength(0);
            } else if (line.startsWith(":")) {
                connected.countDown(); // ":connected" first, then heartbeats
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                type = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).trim());
            }
        }
    }

    /** Whether another line comes; a stream closed by {@link #close()} or the server just ends. */
    private static boolean hasNext(Iterator<String> reader) {
        try {
            return reader.hasNext();
        } catch (UncheckedIOException closed) {
            return false;
        }
    }

    @Override
    public void close() {
        lines.close();
    }
}
