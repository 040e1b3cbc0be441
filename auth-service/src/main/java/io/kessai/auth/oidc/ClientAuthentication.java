package io.kessai.auth.oidc;

import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.throttle.Throttles;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;

/**
 * Checks a service client's secret at the token endpoint under the wrong-secret limits (per client and per address,
 * {@link Throttles#clientSecretTry}), and audits every wrong one with the address it came from.
 */
@ApplicationScoped
public class ClientAuthentication {

    /** How a client authentication ended. */
    public sealed interface Outcome {
    }

    /** The secret matched: the client's roles. */
    public record Authenticated(Set<String> roles) implements Outcome {
    }

    /** Unknown client or wrong secret. */
    public record Refused() implements Outcome {
    }

    /** Too many wrong secrets for this client or from this address: nothing was checked. */
    public record Throttled(String retryAfterSeconds) implements Outcome {
    }

    /** Client ids are recorded as given, but no longer than this: an unknown id is whatever the caller wrote. */
    private static final int AUDITED_ID_LENGTH = 100;

    private final ServiceClients clients;
    private final Throttles throttles;
    private final AuditLog audit;

    ClientAuthentication(ServiceClients clients, Throttles throttles, AuditLog audit) {
        this.clients = clients;
        this.throttles = throttles;
        this.audit = audit;
    }

    public Uni<Outcome> authenticate(String clientId, String secret, String address) {
        String configured = clients.knows(clientId) ? clientId : null;
        // The try is taken before the secret is compared, and a refused try is Throttled even for the right secret:
        // were the secret still checked, a 200 among the 429s would tell the guesser it had found it.
        return throttles.clientSecretTry(configured, address).onItemOrFailure().transformToUni((taken, failure) -> {
            if (failure instanceof ProblemException refused && refused.status() == 429) {
                return Uni.createFrom().item(new Throttled(refused.headers().get("Retry-After")));
            }
            if (failure != null) {
                return Uni.createFrom().failure(failure);
            }
            Optional<Set<String>> roles = clients.authenticate(clientId, secret);
            if (roles.isPresent()) {
                return throttles.clientSecretAccepted(clientId, address).map(given -> new Authenticated(roles.get()));
            }
            return audit.record(AuditLog.Event.of(AuditLog.Type.CLIENT_AUTHENTICATION, AuditLog.Outcome.FAILURE)
                    .address(address)
                    .with("clientId", clientId.length() > AUDITED_ID_LENGTH
                            ? clientId.substring(0, AUDITED_ID_LENGTH)
                            : clientId)
                    .with("knownClient", configured != null))
                    .replaceWith(new Refused());
        });
    }
}
