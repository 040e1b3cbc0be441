package io.kessai.auth.oidc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;

/** The configured service clients and the check of their secrets, in constant time. */
@ApplicationScoped
public class ServiceClients {

    /** Compared against when the client id is unknown, so that both answers take the same time. */
    private static final byte[] UNKNOWN_CLIENT_DIGEST = new byte[32];

    private final AuthConfig config;

    ServiceClients(AuthConfig config) {
        this.config = config;
    }

    /** Whether {@code clientId} is a configured client (client ids are no secret, RFC 6749 §2.2). */
    public boolean knows(String clientId) {
        return clientId != null && config.serviceClients().containsKey(clientId);
    }

    /** The roles of the client if the id is known and the secret matches. */
    public Optional<Set<String>> authenticate(String clientId, String secret) {
        AuthConfig.ServiceClient client = clientId == null ? null : config.serviceClients().get(clientId);
        byte[] expected = client == null ? UNKNOWN_CLIENT_DIGEST : sha256(client.secret());
        boolean matches = MessageDigest.isEqual(expected, sha256(secret == null ? "" : secret));
        return client != null && matches ? Optional.of(client.roles()) : Optional.empty();
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
