package io.kessai.auth.ops;

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
import io.vertx.core.json.JsonObject;

/**
 * Stands in, over real HTTP, for wallet-service's customer-account calls (and for the token endpoint the outbox relay
 * gets its token from), so the real relay can be driven through outages. It keeps each customer's wallet state the
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
    private static final String TOKEN = "token-" + UUID.randomUUID();
    private static final Pattern CUSTOMER = Pattern.compile("/v1/internal/accounts/customers(?:/([^/]+)/(\\w+))?");
    private static final List<Call> CALLS = new CopyOnWriteArrayList<>();
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

    public static List<Call> calls(UUID userId) {
        return CALLS.stream().filter(call -> call.userId().equals(userId.toString())).toList();
    }

    @Override
    protected Map<String, String> outboxPeers() {
        mode(Mode.UP);
        server = LoopbackHttpServer.start(Map.of("/oauth2/token", exchange -> {
            String expected = "Basic " + Base64.getEncoder()
                    .encodeToString(("auth-service:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            boolean authenticated = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            LoopbackHttpServer.respond(exchange, authenticated ? 200 : 401, authenticated
                    ? "{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":300}"
                    : "{\"error\":\"invalid_client\"}");
        }, "/v1/internal/events", exchange -> {
            LoopbackHttpServer.body(exchange);
            LoopbackHttpServer.respond(exchange, 202, "{}");
        }, "/v1/internal/accounts/customers", exchange -> {
            JsonObject body = new JsonObject(LoopbackHttpServer.body(exchange));
            Matcher path = CUSTOMER.matcher(exchange.getRequestURI().getPath());
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))
                    || !path.matches()) {
                LoopbackHttpServer.respond(exchange, 401, "{}");
                return;
            }
            String userId = path.group(1) == null ? body.getString("userId") : path.group(1);
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
                "kessai.outbox.notification-url", url,
                "kessai.outbox.client-secret", CLIENT_SECRET,
                // For ScheduledJobsTest, the one start with the scheduler on; elsewhere tests call the relay.
                "kessai.outbox.poll-interval", "0.2S",
                "kessai.outbox.initial-backoff", "0S",
                "kessai.outbox.max-backoff", "0S");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
        super.stop();
    }
}
