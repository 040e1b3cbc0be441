package io.kessai.bench;

import java.net.URI;
import java.net.http.HttpClient;

/**
 * auth-service's latest DPoP nonce, fetched again when it is a minute old (a nonce is accepted for 5): the benchmark's
 * devices share it, as every app keeps the latest {@code DPoP-Nonce} it saw.
 */
final class AuthNonce {

    private final HttpClient http;
    private final URI sessions;
    private String value;
    private long fetchedAt;

    AuthNonce(HttpClient http, URI sessions) {
        this.http = http;
        this.sessions = sessions;
    }

    synchronized String get() {
        if (value == null || System.nanoTime() - fetchedAt > 60_000_000_000L) {
            try {
                value = DeviceKeys.fetchNonce(http, sessions);
            } catch (java.io.IOException e) {
                throw new BenchmarkException("fetching a nonce from auth-service failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException("interrupted while fetching a nonce");
            }
            fetchedAt = System.nanoTime();
        }
        return value;
    }
}
