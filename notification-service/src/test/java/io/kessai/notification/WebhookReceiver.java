package io.kessai.notification;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A merchant's webhook endpoint over real HTTP on loopback. Each path is one endpoint: {@code /ok/...} answers 200,
 * {@code /flaky/...} 500 twice then 200, {@code /down/...} always 500.
 */
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {

    public record Received(String path, String signature, String eventId, String body) {
    }

    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    private static HttpServer server;

    public static String url(String path) {
        return LoopbackHttpServer.url(server) + path;
    }

    public static List<Received> at(String path) {
        return RECEIVED.stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public Map<String, String> start() {
        server = LoopbackHttpServer.start(Map.of("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = LoopbackHttpServer.body(exchange);
            RECEIVED.add(new Received(path, exchange.getRequestHeaders().getFirst("Kessai-Signature"),
                    exchange.getRequestHeaders().getFirst("Kessai-Event-Id"), body));
            int call = CALLS.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            int status = path.startsWith("/ok") ? 200 : path.startsWith("/flaky") && call > 2 ? 200 : 500;
            LoopbackHttpServer.respond(exchange, status, null);
        }));
        return Map.of();
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
