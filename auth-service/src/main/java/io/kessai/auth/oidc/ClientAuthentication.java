package io.kessai.auth.oidc;

import java.io.IOException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.auth.audit.AuditLog;
import io.kessai.auth.throttle.Throttles;
import io.kessai.auth.till.TillCredentials;
import io.kessai.auth.till.TillSecrets;
import io.kessai.common.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Checks a service client's or a till credential's secret at the token endpoint under the wrong-secret limits (per client and per address,
 * {@link Throttles#clientSecretTry}), and audits every wrong one with the address it came from.
 *
 * <p>Issuing a service token needs no database otherwise, and every service's calls depend on those tokens. So when
 * auth-service's database is gone (connections refused or lost), secrets are checked without the limits rather than
 * every service losing its tokens for the length of the outage. A database that is there but busy fails the request
 * (503), as everywhere else: load is something a caller can cause, an outage is not.
 */
@ApplicationScoped
public class ClientAuthentication {

    /** How a client authentication ended. */
    public sealed interface Outcome {
    }

    /** The secret matched: the client, with its roles and scopes. */
    public record Authenticated(ServiceClients.Client client) implements Outcome {
    }

    /**
     * A till credential's secret matched: the till, with what its token says, or why it gets none
     * ({@link TillCredentials.Credential#refusal}), which the caller must answer as {@link Refused}.
     */
    public record TillAuthenticated(TillCredentials.Credential till) implements Outcome {
    }

    /** Unknown client or wrong secret. */
    public record Refused() implements Outcome {
    }

    /** Too many wrong secrets for this client or from this address: nothing was checked. */
    public record Throttled(String retryAfterSeconds) implements Outcome {
    }

    private static final Logger LOG = Logger.getLogger(ClientAuthentication.class);

    /** Client ids are recorded as given, but no longer than this: an unknown id is whatever the caller wrote. */
    private static final int AUDITED_ID_LENGTH = 100;

    private final ServiceClients clients;
    private final TillCredentials tills;
    private final Throttles throttles;
    private final AuditLog audit;

    ClientAuthentication(ServiceClients clients, TillCredentials tills, Throttles throttles, AuditLog audit) {
        this.clients = clients;
        this.tills = tills;
        this.throttles = throttles;
        this.audit = audit;
    }

    public Uni<Outcome> authenticate(String clientId, String secret, String address) {
        if (TillCredentials.isTillClientId(clientId)) {
            return authenticateTill(clientId, secret, address);
        }
        String configured = clients.knows(clientId) ? clientId : null;
        // The try is taken before the secret is compared, and a refused try is Throttled even for the right secret:
        // were the secret still checked, a 200 among the 429s would tell the guesser it had found it.
        return throttles.clientSecretTry(configured, address).onItemOrFailure().transformToUni((taken, failure) -> {
            if (failure instanceof ProblemException refused && refused.status() == 429) {
                return Uni.createFrom().item(new Throttled(refused.headers().get("Retry-After")));
            }
            if (failure != null && !databaseGone(failure)) {
                return Uni.createFrom().failure(failure);
            }
            if (failure != null) {
                LOG.warnf("Checking a client secret without the wrong-secret limits: the database is unreachable (%s)",
                        failure.toString());
            }
            Optional<ServiceClients.Client> client = clients.authenticate(clientId, secret);
            if (client.isPresent()) {
                return failure != null
                        ? Uni.createFrom().item(new Authenticated(client.get()))
                        : throttles.clientSecretAccepted(clientId, address)
                                .onFailure(ClientAuthentication::databaseGone).recoverWithNull()
                                .map(given -> new Authenticated(client.get()));
            }
            return audit.record(AuditLog.Event.of(AuditLog.Type.CLIENT_AUTHENTICATION, AuditLog.Outcome.FAILURE)
                    .address(address)
                    .with("clientId", clientId.length() > AUDITED_ID_LENGTH
                            ? clientId.substring(0, AUDITED_ID_LENGTH)
                            : clientId)
                    .with("knownClient", configured != null))
                    .onFailure(ClientAuthentication::databaseGone).recoverWithNull()
                    .replaceWith(new Refused());
        });
    }

    /**
     * A till credential's secret, under the same wrong-secret limits as a service client's: the till's own bucket
     * (its client id) once the till exists, the address's always. A till is held in the database, so without it there
     * is nothing to check and the request fails (503) instead.
     */
    private Uni<Outcome> authenticateTill(String clientId, String secret, String address) {
        return tills.lookUp(clientId).flatMap(found -> throttles
                .clientSecretTry(found.isPresent() ? clientId : null, address)
                .onItemOrFailure().transformToUni((taken, failure) -> {
                    if (failure instanceof ProblemException refused && refused.status() == 429) {
                        return Uni.createFrom().item(new Throttled(refused.headers().get("Retry-After")));
                    }
                    if (failure != null) {
                        return Uni.createFrom().failure(failure);
                    }
                    boolean matches = TillSecrets.matches(found.map(TillCredentials.Credential::secretDigest)
                            .orElse(null), secret);
                    if (matches) {
                        return throttles.clientSecretAccepted(clientId, address)
                                .replaceWith(new TillAuthenticated(found.get()));
                    }
                    Uni<Void> audited = found.isPresent()
                            ? tills.recordWrongSecret(found.get(), address)
                            : audit.record(AuditLog.Event.of(AuditLog.Type.CLIENT_AUTHENTICATION,
                                    AuditLog.Outcome.FAILURE).address(address)
                                    .with("clientId", clientId.length() > AUDITED_ID_LENGTH
                                            ? clientId.substring(0, AUDITED_ID_LENGTH)
                                            : clientId)
                                    .with("knownClient", false));
                    return audited.replaceWith(new Refused());
                }));
    }

    /**
     * Whether a failure means the database is gone rather than busy: a refused, reset or closed connection, or
     * PostgreSQL's own connection-exception and shutdown states (SQLSTATE 08, 57P). Timeouts, a full pool and
     * "too many connections" are busy.
     */
    static boolean databaseGone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof ClosedConnectionException
                    || t instanceof PgException pg && pg.getSqlState() != null
                            && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
