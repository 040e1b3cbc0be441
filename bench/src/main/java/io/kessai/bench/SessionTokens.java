package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Access tokens that auth-service issued to benchmark users ({@link AuthUsers}) through their real sign-in (password
 * and a DPoP proof of the bound device's key), kept fresh: tokens live 5 minutes, so a background thread signs a user
 * in again when its token is {@link #REFRESH_AFTER_NANOS} old, one user at a time, while the loads run.
 */
final class SessionTokens implements AutoCloseable {

    /** Well before the 5-minute lifetime, so that no payment goes out with a token about to expire in flight. */
    private static final long REFRESH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(200);
    /** A sign-in shed by auth-service's hashing pool (503) is tried again this often at most. */
    private static final int ATTEMPTS = 20;

    private final HttpClient http;
    private final Workload signIns;
    private final AtomicReferenceArray<String> authorizations;
    private final AtomicLongArray signedInAt;
    private final String[] subjects;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "session-refresher");
        thread.setDaemon(true);
        return thread;
    });

    private SessionTokens(HttpClient http, Workload signIns, int count) {
        this.http = http;
        this.signIns = signIns;
        this.authorizations = new AtomicReferenceArray<>(count);
        this.signedInAt = new AtomicLongArray(count);
        this.subjects = new String[count];
    }

    /** Signs every user in ({@code parallelism} at once), then keeps their tokens fresh until closed. */
    static SessionTokens signIn(HttpClient http, URI authUrl, AuthUsers users, AuthNonce nonce, int parallelism)
            throws Exception {
        SessionTokens tokens = new SessionTokens(http, AuthWorkloads.logins(authUrl, users, nonce::get),
                users.count());
        Parallel.run(users.count(), parallelism, n -> {
            tokens.signIn(n);
            return null;
        });
        tokens.refresher.scheduleWithFixedDelay(tokens::refreshStale, 5, 5, TimeUnit.SECONDS);
        return tokens;
    }

    int count() {
        return subjects.length;
    }

    /**
     * Signs every user in again now, so that no sign-in (Argon2id, a few milliseconds of CPU each) falls inside the
     * load that follows, as long as that load is shorter than the refresh interval (200 s).
     */
    void renewAll(int parallelism) throws Exception {
        Parallel.run(subjects.length, parallelism, n -> {
            signIn(n);
            return null;
        });
    }

    /** The Authorization header of user {@code n}: {@code Bearer <access token>}. */
    String authorization(int n) {
        return authorizations.get(n);
    }

    /** User {@code n}'s id at auth-service (the tokens' {@code sub}). */
    String subject(int n) {
        return subjects[n];
    }

    List<String> subjects() {
        return List.of(subjects);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }

    private void refreshStale() {
        try {
            for (int n = 0; n < subjects.length; n++) {
                if (System.nanoTime() - signedInAt.get(n) > REFRESH_AFTER_NANOS) {
                    signIn(n);
                }
            }
        } catch (Exception e) {
            // The loads go on with the tokens they have; a token that expires shows as 401 errors in the report.
            System.err.println("bench: signing a user in again failed: " + e.getMessage());
        }
    }

    private void signIn(int n) throws Exception {
        for (int attempt = 1;; attempt++) {
            // AuthWorkloads numbers sign-ins from 1: sequence n + 1 is user n, from an address of its own.
            HttpResponse<String> answer = http.send(signIns.next(n + 1L, null), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 201) {
                String token = Json.field(answer.body(), "accessToken");
                subjects[n] = Json.field(claims(token), "sub");
                authorizations.set(n, "Bearer " + token);
                signedInAt.set(n, System.nanoTime());
                return;
            }
            if (answer.statusCode() != 503 || attempt == ATTEMPTS) {
                throw new BenchmarkException("a benchmark user's sign-in was answered " + answer.statusCode() + ": "
                        + Json.abbreviate(answer.body(), 300));
            }
            Thread.sleep(100L * attempt); // the hashing pool was full: wait as its Retry-After asks
        }
    }

    private static String claims(String jwt) {
        return new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
    }
}
