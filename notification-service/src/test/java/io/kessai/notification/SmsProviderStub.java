package io.kessai.notification;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
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
        server = LoopbackHttpServer.start(Map.of("/sms", exchange -> {
            String json = LoopbackHttpServer.body(exchange);
            RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), json));
            int status = json.contains("0999\"") ? 500 : json.contains("0400\"") ? 400 : 202;
            LoopbackHttpServer.respond(exchange, status, "{}");
        }));
        return Map.of("kessai.notification.sms.http-url", LoopbackHttpServer.url(server) + "/sms",
                "kessai.notification.sms.http-api-key", API_KEY);
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
