package io.kessai.notification;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A minimal SSE client over real HTTP, collecting the stream's lines for the test to read. */
final class SseClient implements AutoCloseable {

    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> body;

    SseClient(URI url, String token, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = HttpClient.newHttpClient().sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> {
            body = r.body();
            Thread.ofVirtual().start(() -> {
                try {
                    body.forEach(lines::add);
                } catch (RuntimeException closed) {
                    // the test closed the stream
                }
            });
        });
    }

    int status() throws Exception {
        return response.get(10, TimeUnit.SECONDS).statusCode();
    }

    /** Reads lines until one satisfies the prefix, or fails after the timeout; returns every line read. */
    List<String> readUntil(String prefix, Duration timeout) throws InterruptedException {
        List<String> read = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(50, TimeUnit.MILLISECONDS);
            if (line != null) {
                read.add(line);
                if (line.startsWith(prefix)) {
                    return read;
                }
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' within " + timeout + "; read " + read);
    }

    /** Reads lines until one contains {@code text}, or fails after the timeout; returns every line read. */
    List<String> readUntilContaining(String text, Duration timeout) throws InterruptedException {
        List<String> read = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(50, TimeUnit.MILLISECONDS);
            if (line != null) {
                read.add(line);
                if (line.contains(text)) {
                    return read;
                }
            }
        }
        throw new AssertionError("no line containing '" + text + "' within " + timeout + "; read " + read);
    }

    @Override
    public void close() {
        response.cancel(true);
        if (body != null) {
            body.close();
        }
    }
}
