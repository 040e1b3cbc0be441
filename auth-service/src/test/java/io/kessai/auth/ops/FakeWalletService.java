package io.kessai.auth.ops;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

import io.kessai.auth.TestClients;
import io.kessai.testing.LoopbackHttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Stands in, over real HTTP, for wallet-service's customer-account calls (and for the token endpoint the outbox relay
 * gets its tokens from), so the real relay can be driven through outages. Its token endpoint issues one token per
 * requested scope, and each peer takes only the token with its own scopes, as the real ones check them: the relay
 * must ask for exactly what each destination needs. It keeps each customer's wallet state the
 * way wallet-service does: opening creates an active wallet, and freezing or unfreezing a customer without a wallet
 * changes nothing and still answers 200. Notification events are accepted and dropped: the relay runs only when a
 * test calls it (the scheduler is off in tests), after {@code TestUsers} has read the codes it needs.
 * <p>
 * A {@link TestClients} whose outbox peers are this stand-in instead of one that refuses everything. Failed calls are
 * due again at once (no backoff), so each {@code relayDue()} a test makes tries every call that is due (for a user, the
 * first in line) once more: the test decides how often the relay looks, never a timer.
 */
public class FakeWalletService extends TestClients {

    /** How the stand-in answers. */
    public enum Mode {
        UP, DOWN,
        /** Every call refused for good (422, nothing applied): the relay keeps it as dead and never retries it. */
        REFUSING,
        /**
         * Calls go in turn refused (503), applied but answered 503 (a lost answer), accepted: every call is retried
         * after a refusal and after a lost answer before it gets through, the same way in every run.
         */
        FLAKY
    }

    /** A call as it reached wallet-service; {@code applied} when it changed (or confirmed) the wallet's state. */
    public record Call(String userId, String action, String reason, int status, boolean applied) {
    }

    private static final String CLIENT_SECRET = UUID.randomUUID().toString();
    /** What the relay must ask for, per destination (auth-service's application.properties and the default). */
    static final String WALLET_SCOPES = "wallet:customers.open wallet:customers.freeze";
    static final String NOTIFICATION_SCOPES = "notification:events.send";
    static final String PAYMENT_SCOPES = "payment:subjects.freeze";
    private static final String TOKEN = "token-" + UUID.randomUUID() + "-";
    private static final List<String> SCOPES_ASKED = new CopyOnWriteArrayList<>();
    private static final Pattern CUSTOMER = Pattern.compile("/v1/internal/accounts/customers(?:/([^/]+)/(\\w+))?");
    private static final List<Call> CALLS = new CopyOnWriteArrayList<>();
    /** payment-service's calls: the path after {@code /v1/internal/customers/} and the reason, in arrival order. */
    private static final List<Map.Entry<String, String>> PAYMENT_CALLS = new CopyOnWriteArrayList<>();
    private static final Map<String, String> WALLETS = new ConcurrentHashMap<>();
    private static final AtomicInteger FLAKY_TURN = new AtomicInteger();
    private static volatile Mode mode = Mode.UP;
    private HttpServer server;

    public static void mode(Mode next) {
        FLAKY_TURN.set(0);
        mode = next;
    }

    /** The wallet's state at the stand-in: null before it is opened, then active or frozen. */
    public static String wallet(UUID userId) {
        return WALLETS.get(userId.toString());
    }

    /** The {@code scope} of every token request so far, in order. */
    public static List<String> scopesAsked() {
        return List.copyOf(SCOPES_ASKED);
    }

    public static List<Call> calls(UUID userId) {
        return CALLS.stream().filter(call -> call.userId().equals(userId.toString())).toList();
    }

    /**
     * What payment-service was told about {@code userId}, in order: each call's path after the user id
     * ({@code /freeze}, {@code /devices/{id}/unbinding}) and its reason. The stand-in accepts every call made with
     * payment-service's scope (whatever the {@link Mode}, which is wallet-service's).
     */
    public static List<Map.Entry<String, String>> paymentCalls(UUID userId) {
        String prefix = userId + "/";
        return PAYMENT_CALLS.stream().filter(call -> call.getKey().startsWith(prefix))
                .map(call -> Map.entry(call.getKey().substring(prefix.length() - 1), call.getValue())).toList();
    }

    @Override
    protected Map<String, String> outboxPeers() {
        mode(Mode.UP);
        server = LoopbackHttpServer.start(Map.of("/oauth2/token", exchange -> {
            String expected = "Basic " + Base64.getEncoder()
                    .encodeToString(("auth-service:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            boolean authenticated = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            String scope = formField(LoopbackHttpServer.body(exchange), "scope");
            SCOPES_ASKED.add(String.valueOf(scope));
            LoopbackHttpServer.respond(exchange, authenticated ? 200 : 401, authenticated
                    ? "{\"access_token\":\"" + tokenFor(scope) + "\",\"token_type\":\"Bearer\",\"expires_in\":300}"
                    : "{\"error\":\"invalid_client\"}");
        }, "/v1/internal/events", exchange -> {
            LoopbackHttpServer.body(exchange);
            boolean scoped = bearer(tokenFor(NOTIFICATION_SCOPES)).equals(authorization(exchange));
            LoopbackHttpServer.respond(exchange, scoped ? 202 : 403, "{}");
        }, "/v1/internal/events/batch", exchange -> {
            // As notification-service answers a batch: one result per event, each accepted.
            int events = new JsonObject(LoopbackHttpServer.body(exchange)).getJsonArray("events").size();
            boolean scoped = bearer(tokenFor(NOTIFICATION_SCOPES)).equals(authorization(exchange));
            JsonArray results = new JsonArray();
            for (int i = 0; i < events; i++) {
                results.add(new JsonObject().put("index", i).put("status", 202));
            }
            LoopbackHttpServer.respond(exchange, scoped ? 200 : 403,
                    scoped ? new JsonObject().put("results", results).encode() : "{}");
        }, "/v1/internal/customers/", exchange -> {
            String reason = new JsonObject(LoopbackHttpServer.body(exchange)).getString("reason");
            boolean scoped = bearer(tokenFor(PAYMENT_SCOPES)).equals(authorization(exchange));
            if (scoped) {
                PAYMENT_CALLS.add(Map.entry(exchange.getRequestURI().getPath()
                        .substring("/v1/internal/customers/".length()), reason));
            }
            LoopbackHttpServer.respond(exchange, scoped ? 200 : 403, "{}");
        }, "/v1/internal/accounts/customers", exchange -> {
            JsonObject body = new JsonObject(LoopbackHttpServer.body(exchange));
            Matcher path = CUSTOMER.matcher(exchange.getRequestURI().getPath());
            if (!bearer(tokenFor(WALLET_SCOPES)).equals(authorization(exchange)) || !path.matches()) {
                // As wallet-service answers a token without the scope: 403, which the relay retries.
                LoopbackHttpServer.respond(exchange, 403, "{}");
                CALLS.add(new Call(path.matches() ? userIdOf(path, body) : "?", "refused-token", null, 403, false));
                return;
            }
            String userId = userIdOf(path, body);
            String action = path.group(2) == null ? "open" : path.group(2);
            int turn = mode == Mode.FLAKY ? FLAKY_TURN.getAndIncrement() % 3 : 0;
            boolean apply = mode == Mode.UP || mode == Mode.FLAKY && turn > 0;
            int status = mode == Mode.UP || mode == Mode.FLAKY && turn == 2 ? 200 : mode == Mode.REFUSING ? 422 : 503;
            synchronized (WALLETS) {
                if (apply) {
                    switch (action) {
                        case "open" -> WALLETS.putIfAbsent(userId, "active");
                        case "freeze" -> WALLETS.computeIfPresent(userId, (id, state) -> "frozen");
                        case "unfreeze" -> WALLETS.computeIfPresent(userId, (id, state) -> "active");
                        default -> throw new IllegalStateException(action);
                    }
                }
                CALLS.add(new Call(userId, action, body.getString("reason"), status, apply));
            }
            LoopbackHttpServer.respond(exchange, status, "{}");
        }));
        String url = LoopbackHttpServer.url(server);
        return Map.of("kessai.outbox.auth-url", url,
                "kessai.outbox.destinations.wallet", url,
                "kessai.outbox.destinations.payment", url,
                "kessai.outbox.notification-url", url,
                "kessai.outbox.client-secret", CLIENT_SECRET,
                // For ScheduledJobsTest, the one start with the scheduler on; elsewhere tests call the relay.
                "kessai.outbox.poll-interval", "0.2S",
                "kessai.outbox.initial-backoff", "0S",
                "kessai.outbox.max-backoff", "0S");
    }

    private static String tokenFor(String scope) {
        return TOKEN + (scope == null ? "all" : scope.replace(' ', '+'));
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String authorization(com.sun.net.httpserver.HttpExchange exchange) {
        return exchange.getRequestHeaders().getFirst("Authorization");
    }

    private static String userIdOf(Matcher path, JsonObject body) {
        return path.group(1) == null ? body.getString("userId") : path.group(1);
    }

    private static String formField(String form, String name) {
        for (String field : form.split("&")) {
            int equals = field.indexOf('=');
            if (equals > 0 && URLDecoder.decode(field.substring(0, equals), StandardCharsets.UTF_8).equals(name)) {
                return URLDecoder.decode(field.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        super.stop();
    }
}
