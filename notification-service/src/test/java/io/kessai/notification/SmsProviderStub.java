package io.kessai.notification;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for an SMS provider's HTTP API (a third party that cannot run here), over real HTTP. It accepts every
 * number except those ending in 0999 (answers 500, a provider outage) and 0400 (answers 400, a rejected number).
 */
public class SmsProviderStub implements QuarkusTestResourceLifecycleManager {

    public record Received(String authorization, String json) {
    }

    public static final String API_KEY = UUID.randomUUID().toString();
    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private HttpServer server;

    public static List<Received> to(String phone) {
        return RECEIVED.stream().filter(r -> r.json().contains("\"to\":\"" + phone + "\"")).toList();
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/sms", exchange -> {
            String json = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), json));
            int status = json.contains("0999\"") ? 500 : json.contains("0400\"") ? 400 : 202;
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return Map.of("kessai.notification.sms.http-url",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/sms",
                "kessai.notification.sms.http-api-key", API_KEY);
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
