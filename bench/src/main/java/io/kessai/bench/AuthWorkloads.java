package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/** The auth benchmark's requests: password sign-ins on auth-service, and token checks on wallet-service. */
final class AuthWorkloads {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private AuthWorkloads() {
    }

    /**
     * {@code POST /v1/sessions} from each user's bound device, with a DPoP proof of its key over a nonce of
     * auth-service ({@code nonce} gives the latest), the users in turn (so no two workers sign in the same
     * user at once), each from its own client address: auth-service trusts X-Forwarded-For from loopback, and its
     * per-address limit (20 at once, then one per 10 s) would otherwise refuse all but the first sign-ins. 201 is a
     * session; 503 (the hashing pool and its queue are full) is counted as a refusal; anything else, 429 included
     * (a locked number, or a per-address limit that X-Forwarded-For did not lift), is an error with its answer kept.
     */
    static Workload logins(URI authUrl, AuthUsers users, Supplier<String> nonce) {
        URI sessions = authUrl.resolve("/v1/sessions");
        return new Workload() {

            @Override
            public HttpRequest next(long sequence, ThreadLocalRandom random) {
                int user = (int) Math.floorMod(sequence - 1, (long) users.count());
                String body = """
                        {"phone":"%s","password":"%s","deviceId":"%s","deviceName":"Bench phone"}"""
                        .formatted(users.phone(user), AuthUsers.PASSWORD, users.deviceId(user));
                return HttpRequest.newBuilder(sessions)
                        .timeout(REQUEST_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header("X-Forwarded-For", address(sequence))
                        .header("DPoP", users.keys().proof(user, sessions, nonce.get()))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
            }

            @Override
            public int successStatus() {
                return 201;
            }

            @Override
            public Set<Integer> refusalStatuses() {
                return Set.of(503);
            }
        };
    }

    /**
     * {@code GET /v1/internal/whoami} on wallet-service (a service caller's subject and roles: nothing but the token
     * check and a small JSON answer), with the Authorization header {@code authorization} gives for each request.
     */
    static Workload whoami(URI walletUrl, LongFunction<String> authorization) {
        URI whoami = walletUrl.resolve("/v1/internal/whoami");
        return new Workload() {

            @Override
            public HttpRequest next(long sequence, ThreadLocalRandom random) {
                return HttpRequest.newBuilder(whoami).timeout(REQUEST_TIMEOUT)
                        .header("Authorization", authorization.apply(sequence)).GET().build();
            }

            @Override
            public int successStatus() {
                return 200;
            }
        };
    }

    /** A distinct private address (10.0.0.0/8) for each request. */
    private static String address(long sequence) {
        long n = sequence & 0xFF_FFFF;
        return "10." + (n >> 16) + "." + ((n >> 8) & 0xFF) + "." + (n & 0xFF);
    }
}
