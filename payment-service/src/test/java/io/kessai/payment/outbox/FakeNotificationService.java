package io.kessai.payment.outbox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Stands in, over real HTTP, for auth-service's token endpoint, notification-service's event intake (single and
 * batch) and wallet-service's opening of merchant accounts, so the relay can be tested here with notification-service
 * "down" (503) and back "up" (202), refusing a bad event (422, for an event of type {@code otp.fax}), failing one for
 * now (503, type {@code test.unavailable}), and as an older version without the batch endpoint (404). The intake
 * takes only a token issued for scope notification:events.send (403 otherwise, as notification-service answers), so
 * the relay must ask for just that, not for payment-service's money-moving scopes. (The real services are exercised
 * together in the system tests.)
 */
public class FakeNotificationService implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_SECRET = UUID.randomUUID().toString();
    private static final String TOKEN = "token-" + UUID.randomUUID();
    private static final String WALLET_TOKEN = "wallet-token-" + UUID.randomUUID();
    private static final List<String> ACCEPTED = new CopyOnWriteArrayList<>();
    private static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();
    private static final List<String> MERCHANT_ACCOUNTS = new CopyOnWriteArrayList<>();
    private static final List<List<String>> BATCHES = new CopyOnWriteArrayList<>();
    private static final List<String> SINGLE_EVENTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger BATCH_ATTEMPTS = new AtomicInteger();
    private static volatile boolean up = true;
    private static volatile boolean batchEndpoint = true;
    private HttpServer server;

    public static void setUp(boolean isUp) {
        up = isUp;
    }

    /** Whether the batch endpoint exists (a notification-service from before it answers 404). */
    public static void batchEndpoint(boolean exists) {
        batchEndpoint = exists;
    }

    /** The event ids of every batch that reached the batch endpoint while it existed, in order. */
    public static List<List<String>> batches() {
        return BATCHES;
    }

    /** How many requests reached the batch endpoint with the right token, whether it existed or not. */
    public static int batchAttempts() {
        return BATCH_ATTEMPTS.get();
    }

    /** The event id of every event posted alone to the single endpoint. */
    public static List<String> singleEvents() {
        return SINGLE_EVENTS;
    }

    public static List<String> accepted() {
        return ACCEPTED;
    }

    public static List<String> attempts() {
        return ATTEMPTS;
    }

    /** Bodies of the merchant-account openings wallet-service's stand-in accepted. */
    public static List<String> merchantAccounts() {
        return MERCHANT_ACCOUNTS;
    }

    @Override
    public Map<String, String> start() {
        server = LoopbackHttpServer.start(Map.of("/oauth2/token", exchange -> {
            String expected = "Basic " + Base64.getEncoder()
                    .encodeToString(("payment-service:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            boolean authenticated = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            String form = LoopbackHttpServer.body(exchange);
            String token = form
                    .contains("scope=" + URLEncoder.encode("notification:events.send", StandardCharsets.UTF_8))
                            ? TOKEN
                            : form.contains("scope=" + URLEncoder.encode("wallet:merchants.open",
                                    StandardCharsets.UTF_8)) ? WALLET_TOKEN : "token-with-other-scopes";
            LoopbackHttpServer.respond(exchange, authenticated ? 200 : 401, authenticated
                    ? "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":300}"
                    : "{\"error\":\"invalid_client\"}");
        }, "/v1/internal/events", exchange -> {
            String body = LoopbackHttpServer.body(exchange);
            ATTEMPTS.add(body);
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                LoopbackHttpServer.respond(exchange, 403, "{}");
            } else if (!up) {
                LoopbackHttpServer.respond(exchange, 503, "{}");
            } else {
                SINGLE_EVENTS.add(new JsonObject(body).getString("eventId"));
                int status = statusOf(new JsonObject(body));
                if (status == 202) {
                    ACCEPTED.add(body);
                }
                LoopbackHttpServer.respond(exchange, status, "{}");
            }
        }, "/v1/internal/events/batch", exchange -> {
            String body = LoopbackHttpServer.body(exchange);
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                LoopbackHttpServer.respond(exchange, 403, "{}");
                return;
            }
            BATCH_ATTEMPTS.incrementAndGet();
            if (!batchEndpoint) {
                LoopbackHttpServer.respond(exchange, 404, "{}");
                return;
            }
            JsonArray events = new JsonObject(body).getJsonArray("events");
            events.forEach(event -> ATTEMPTS.add(((JsonObject) event).encode()));
            if (!up) {
                LoopbackHttpServer.respond(exchange, 503, "{}");
                return;
            }
            BATCHES.add(events.stream().map(event -> ((JsonObject) event).getString("eventId")).toList());
            JsonArray results = new JsonArray();
            for (int i = 0; i < events.size(); i++) {
                JsonObject event = events.getJsonObject(i);
                int status = statusOf(event);
                JsonObject result = new JsonObject().put("index", i).put("status", status);
                if (status == 202) {
                    ACCEPTED.add(event.encode());
                    result.put("eventId", event.getString("eventId")).put("duplicate", false);
                } else {
                    result.put("problem", new JsonObject().put("status", status)
                            .put("code", status == 422 ? "event-id-reused" : "service-unavailable"));
                }
                results.add(result);
            }
            LoopbackHttpServer.respond(exchange, 200, new JsonObject().put("results", results).encode());
        }, "/v1/internal/accounts/merchants", exchange -> {
            // wallet-service's opening of a merchant account: idempotent there, so the stand-in just records it.
            String body = LoopbackHttpServer.body(exchange);
            if (!("Bearer " + WALLET_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                LoopbackHttpServer.respond(exchange, 403, "{}");
            } else {
                MERCHANT_ACCOUNTS.add(body);
                LoopbackHttpServer.respond(exchange, 201, "{}");
            }
        }));
        String url = LoopbackHttpServer.url(server);
        return Map.of("kessai.outbox.auth-url", url, "kessai.outbox.notification-url", url,
                "kessai.outbox.client-secret", CLIENT_SECRET, "kessai.outbox.destinations.wallet", url);
    }

    /** How notification-service answers one event: refused for good, failing for now, or accepted. */
    private static int statusOf(JsonObject event) {
        return switch (event.getString("type", "")) {
            case "otp.fax" -> 422;
            case "test.unavailable" -> 503;
            default -> 202;
        };
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
