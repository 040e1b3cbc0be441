package io.kessai.notification;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for an SMS provider's HTTP API (a third party that cannot run here), over real HTTP. It accepts every
 * number except those ending in 0999 (answers 500, a provider outage) and 0400 (answers 400, a rejected number).
 * Only the {@code to} field decides: the delivery id in {@code reference} (say 10999) or the text must not.
 */
public class SmsProviderStub implements QuarkusTestResourceLifecycleManager {

    public record Received(String authorization, String json) {
    }

    public static final String API_KEY = UUID.randomUUID().toString();
    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private static final Pattern TO = Pattern.compile("\"to\"\\s*:\\s*\"([^\"]*)\"");
    private HttpServer server;

    public static List<Received> to(String phone) {
        return RECEIVED.stream().filter(r -> r.json().contains("\"to\":\"" + phone + "\"")).toList();
    }

    @Override
    public Map<String, String> start() {
        server = LoopbackHttpServer.start(Map.of("/sms", exchange -> {
            String json = LoopbackHttpServer.body(exchange);
            RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), json));
            Matcher to = TO.matcher(json);
            String number = to.find() ? to.group(1) : "";
            int status = number.endsWith("0999") ? 500 : number.endsWith("0400") ? 400 : 202;
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
