package io.kessai.payment.outbox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.kessai.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Stands in, over real HTTP, for auth-service's token endpoint, notification-service's event intake and
 * wallet-service's opening of merchant accounts, so the relay
 * can be tested here with notification-service "down" (503) and back "up" (202), and refusing a bad event (422). The
 * intake takes only a token issued for scope notification:events.send (403 otherwise, as notification-service
 * answers), so the relay must ask for just that, not for payment-service's money-moving scopes.
 * (The real services are exercised together in the system tests.)
 */
public class FakeNotificationService implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_SECRET = UUID.randomUUID().toString();
    private static final String TOKEN = "token-" + UUID.randomUUID();
    private static final String WALLET_TOKEN = "wallet-token-" + UUID.randomUUID();
    private static final List<String> ACCEPTED = new CopyOnWriteArrayList<>();
    private static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();
    private static final List<String> MERCHANT_ACCOUNTS = new CopyOnWriteArrayList<>();
    private static volatile boolean up = true;
    private HttpServer server;

    public static void setUp(boolean isUp) {
        up = isUp;
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
            } else if (body.contains("otp.fax")) {
                LoopbackHttpServer.respond(exchange, 422, "{}");
            } else {
                ACCEPTED.add(body);
                LoopbackHttpServer.respond(exchange, 202, "{}");
            }
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

    @Override
    public void stop() {
        server.stop(0);
    }
}
