package io.kessai.auth.oidc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.AuthConfig;
import io.kessai.auth.till.TillCredentials;
import io.kessai.common.security.Roles;
import io.kessai.common.security.Scopes;
import io.quarkus.runtime.Startup;

/**
 * The configured service clients: the check of their secrets, in constant time, and what their tokens may carry.
 * A misconfigured client (an unknown scope, scopes on a client that is not a service, an ops tool that is also a
 * service) stops the start: a typo must not quietly grant or withhold money movement.
 */
@ApplicationScoped
@Startup
public class ServiceClients {

    /** Compared against when the client id is unknown, so that both answers take the same time. */
    private static final byte[] UNKNOWN_CLIENT_DIGEST = new byte[32];

    /** A client as its tokens describe it: roles in {@code groups}, scopes in {@code scope}. */
    public record Client(String id, Set<String> roles, SortedSet<String> scopes) {
    }

    private record Registered(Client client, byte[] secretDigest) {
    }

    private final Map<String, Registered> clients = new TreeMap<>();

    ServiceClients(AuthConfig config) {
        List<String> problems = new ArrayList<>();
        config.serviceClients().forEach((id, configured) -> {
            Client client = resolve(id, configured, problems);
            clients.put(id, new Registered(client, sha256(configured.secret())));
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Service clients are misconfigured: " + String.join("; ", problems));
        }
    }

    /** Whether {@code clientId} is a configured client (client ids are no secret, RFC 6749 §2.2). */
    public boolean knows(String clientId) {
        return clientId != null && clients.containsKey(clientId);
    }

    /** The client if the id is known and the secret matches. */
    public Optional<Client> authenticate(String clientId, String secret) {
        Registered registered = clientId == null ? null : clients.get(clientId);
        byte[] expected = registered == null ? UNKNOWN_CLIENT_DIGEST : registered.secretDigest();
        boolean matches = MessageDigest.isEqual(expected, sha256(secret == null ? "" : secret));
        return registered != null && matches ? Optional.of(registered.client()) : Optional.empty();
    }

    /**
     * The scopes of a token for {@code client}: all it holds when the request names none, else exactly those it
     * names (RFC 6749 §3.3: a request can narrow a token, never widen it). Empty when it names one the client does
     * not hold.
     */
    public static Optional<SortedSet<String>> scopesFor(Client client, String requested) {
        if (requested == null || requested.isBlank()) {
            return Optional.of(client.scopes());
        }
        SortedSet<String> asked = new TreeSet<>(Arrays.asList(requested.trim().split(" +")));
        return client.scopes().containsAll(asked) ? Optional.of(asked) : Optional.empty();
    }

    private static Client resolve(String id, AuthConfig.ServiceClient configured, List<String> problems) {
        Set<String> roles = Set.copyOf(configured.roles());
        boolean service = roles.contains(Roles.SERVICE);
        SortedSet<String> scopes = configured.scopes().<SortedSet<String>>map(TreeSet::new)
                .orElseGet(() -> service ? Scopes.grantedByDefault(id) : new TreeSet<>());
        String setting = "kessai.auth.service-clients." + id;
        if (TillCredentials.isTillClientId(id)) {
            // Such an id is looked up among the till credentials, never among the configured clients.
            problems.add(setting + ": a client id starting with '" + TillCredentials.CLIENT_ID_PREFIX
                    + "' is a till's");
        }
        if (roles.contains(Roles.OPS) && service) {
            // Operators read and freeze; money moves only through the services' flows (docs/security.md).
            problems.add(setting + ".roles: an ops client has role ops only, never service");
        }
        if (!service && !scopes.isEmpty()) {
            problems.add(setting + ".scopes: only clients with role service hold scopes");
        }
        for (String scope : scopes) {
            if (!Scopes.KNOWN.contains(scope)) {
                problems.add(setting + ".scopes: no scope '" + scope + "' (known: " + new TreeSet<>(Scopes.KNOWN)
                        + ")");
            }
        }
        return new Client(id, roles, scopes);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
