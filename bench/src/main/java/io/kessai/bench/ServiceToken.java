package io.kessai.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * A client-credentials access token from auth-service, fetched again before it expires: tokens live 300 s and a run
 * lasts several minutes.
 */
final class ServiceToken {

    private record Current(String authorization, Instant refreshAt) {
    }

    private final HttpClient http;
    private final URI tokenEndpoint;
    private final String basicCredentials;
    private volatile Current current;

    ServiceToken(HttpClient http, URI authUrl, String clientId, String clientSecret) {
        this.http = http;
        this.tokenEndpoint = authUrl.resolve("/oauth2/token");
        this.basicCredentials = basic(clientId, clientSecret);
    }

    /** The value of the Authorization header: {@code Bearer <token>}. */
    String authorization() {
        Current token = current;
        if (token == null || Instant.now().isAfter(token.refreshAt())) {
            token = refresh();
        }
        return token.authorization();
    }

    private synchronized Current refresh() {
        Current token = current;
        if (token != null && Instant.now().isBefore(token.refreshAt())) {
            return token; // another worker refreshed it while this one waited
        }
        Fetched fetched = fetch(http, tokenEndpoint, basicCredentials);
        // Refresh with a margin so that no request goes out with a token about to expire in flight.
        long margin = Math.min(60, fetched.expiresInSeconds() / 2);
        token = new Current("Bearer " + fetched.accessToken(),
                Instant.now().plusSeconds(fetched.expiresInSeconds() - margin));
        current = token;
        return token;
    }

    /** An access token as the token endpoint answered it. */
    record Fetched(String accessToken, long expiresInSeconds) {
    }

    /** One client-credentials grant for {@code clientId} (a service client, a till credential). */
    static Fetched fetch(HttpClient http, URI authUrl, String clientId, String clientSecret) {
        return fetch(http, authUrl.resolve("/oauth2/token"), basic(clientId, clientSecret));
    }

    private static Fetched fetch(HttpClient http, URI tokenEndpoint, String basicCredentials) {
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", basicCredentials)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BenchmarkException("could not reach auth-service at " + tokenEndpoint + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkException("interrupted while fetching a token");
        }
        if (response.statusCode() != 200) {
            throw new BenchmarkException("auth-service refused the token request (" + response.statusCode() + "): "
                    + Json.abbreviate(response.body(), 300));
        }
        return new Fetched(Json.field(response.body(), "access_token"),
                Long.parseLong(Json.field(response.body(), "expires_in")));
    }

    private static String basic(String clientId, String clientSecret) {
        return "Basic " + Base64.getEncoder()
                .encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
    }
}
