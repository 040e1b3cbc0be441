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
 * Access tokens that auth-service issued, one per benchmark user ({@link AuthUsers}, through their real sign-in:
 * password and a DPoP proof of the bound device's key) or per till (its client credentials), kept fresh: tokens live
 * 5 minutes, so a background thread gets a holder a new one when its token is {@link #REFRESH_AFTER_NANOS} old, one
 * holder at a time, while the loads run.
 */
final class FreshTokens implements AutoCloseable {

    /** Well before the 5-minute lifetime, so that no payment goes out with a token about to expire in flight. */
    private static final long REFRESH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(200);
    /** A sign-in shed by auth-service's hashing pool (503) is tried again this often at most. */
    private static final int ATTEMPTS = 20;

    /** Gets holder {@code n} a new access token (the JWT itself). */
    private interface Source {

        String issue(int n) throws Exception;
    }

    private final Source source;
    private final AtomicReferenceArray<String> authorizations;
    private final AtomicLongArray issuedAt;
    private final String[] subjects;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "token-refresher");
        thread.setDaemon(true);
        return thread;
    });

    private FreshTokens(Source source, int count) {
        this.source = source;
        this.authorizations = new AtomicReferenceArray<>(count);
        this.issuedAt = new AtomicLongArray(count);
        this.subjects = new String[count];
    }

    /** Signs every user in ({@code parallelism} at once), then keeps their tokens fresh until closed. */
    static FreshTokens signIn(HttpClient http, URI authUrl, AuthUsers users, AuthNonce nonce, int parallelism)
            throws Exception {
        Workload signIns = AuthWorkloads.logins(authUrl, users, nonce::get);
        return start(users.count(), parallelism, n -> signIn(http, signIns, n));
    }

    /** Gets each till a token with its client credentials ({@code parallelism} at once), then keeps them fresh. */
    static FreshTokens tills(HttpClient http, URI authUrl, List<PaymentSetup.TillCredential> tills, int parallelism)
            throws Exception {
        return start(tills.size(), parallelism, n -> ServiceToken.fetch(http, authUrl, tills.get(n).clientId(),
                tills.get(n).clientSecret()).accessToken());
    }

    private static FreshTokens start(int count, int parallelism, Source source) throws Exception {
        FreshTokens tokens = new FreshTokens(source, count);
        tokens.renewAll(parallelism);
        tokens.refresher.scheduleWithFixedDelay(tokens::refreshStale, 5, 5, TimeUnit.SECONDS);
        return tokens;
    }

    int count() {
        return subjects.length;
    }

    /**
     * Gets every holder a new token now, so that no sign-in (Argon2id, a few milliseconds of CPU each) or token request
     * falls inside the load that follows, as long as that load is shorter than the refresh interval (200 s).
     */
    void renewAll(int parallelism) throws Exception {
        Parallel.run(subjects.length, parallelism, n -> {
            renew(n);
            return null;
        });
    }

    /** The Authorization header of holder {@code n}: {@code Bearer <access token>}. */
    String authorization(int n) {
        return authorizations.get(n);
    }

    /** Holder {@code n}'s id at auth-service (the tokens' {@code sub}: a user's id, a till's id). */
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
                if (System.nanoTime() - issuedAt.get(n) > REFRESH_AFTER_NANOS) {
                    renew(n);
                }
            }
        } catch (Exception e) {
            // The loads go on with the tokens they have; a token that expires shows as 401 errors in the report.
            System.err.println("bench: renewing a token failed: " + e.getMessage());
        }
    }

    private void renew(int n) throws Exception {
        String token = source.issue(n);
        subjects[n] = Json.field(claims(token), "sub");
        authorizations.set(n, "Bearer " + token);
        issuedAt.set(n, System.nanoTime());
    }

    /** User {@code n}'s sign-in from its bound device: the session's access token. */
    private static String signIn(HttpClient http, Workload signIns, int n) throws Exception {
        for (int attempt = 1;; attempt++) {
            // AuthWorkloads numbers sign-ins from 1: sequence n + 1 is user n, from an address of its own.
            HttpResponse<String> answer = http.send(signIns.next(n + 1L, null), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 201) {
                return Json.field(answer.body(), "accessToken");
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
