package io.kessai.payment.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.outbox.Outbox;
import io.kessai.outbox.TokenEndpoint;
import io.kessai.payment.ledger.WalletCalls;
import io.kessai.payment.p2p.RecipientCalls;
import io.kessai.payment.shed.EndpointClass;
import io.kessai.payment.shed.LoadShedding;
import io.kessai.payment.status.StatusView.Capability;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Judges what {@code GET /v1/status} answers, at most once per {@link StatusConfig#cacheFor()} whatever the traffic:
 * every request within that time shares one answer, and so at most one small database query.
 */
@ApplicationScoped
public class ServiceStatus {

    private static final Logger LOG = Logger.getLogger(ServiceStatus.class);

    /**
     * The age of the oldest receipt (any event for notification-service) the relay has not delivered yet. The table
     * holds only rows not delivered yet (a delivered row is deleted), so this reads a handful of rows.
     */
    private static final String OLDEST_UNDELIVERED = "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) "
            + "AS age FROM kessai_outbox WHERE destination = $1 AND NOT dead";

    private final Pool pool;
    private final CircuitBreakerMaintenance breakers;
    private final LoadShedding shedding;
    private final StatusConfig config;
    private final Uni<StatusView> cached;

    ServiceStatus(Pool pool, CircuitBreakerMaintenance breakers, LoadShedding shedding, StatusConfig config) {
        this.pool = pool;
        this.breakers = breakers;
        this.shedding = shedding;
        this.config = config;
        this.cached = Uni.createFrom().deferred(this::judge).memoize().atLeast(config.cacheFor());
    }

    /** The status, as judged at most {@link StatusConfig#cacheFor()} ago. */
    public Uni<StatusView> now() {
        return cached;
    }

    private Uni<StatusView> judge() {
        return backlogAge().map(age -> {
            Signals signals = new Signals(ledgerReach(), breakers.currentState(RecipientCalls.BREAKER),
                    shedding.shedWithin(EndpointClass.PAYMENTS, config.shedWindow()),
                    shedding.shedWithin(EndpointClass.CODES, config.shedWindow()), age);
            Map<String, Capability> capabilities = signals.capabilities(config);
            Level overall = capabilities.values().stream().map(Capability::status).reduce(Level.OK, Level::worst);
            return new StatusView(overall, Instant.now(), capabilities);
        });
    }

    /**
     * How well the ledger can be reached, as the wallet breaker says, but never better than the token endpoint's: a
     * token endpoint that is failing leaves payments on their cached wallet token, which may run out (degraded, as a
     * half-open wallet breaker; down only when the wallet breaker itself is open).
     */
    private CircuitBreakerState ledgerReach() {
        CircuitBreakerState wallet = breakers.currentState(WalletCalls.BREAKER);
        if (wallet == CircuitBreakerState.CLOSED
                && breakers.currentState(TokenEndpoint.BREAKER) != CircuitBreakerState.CLOSED) {
            return CircuitBreakerState.HALF_OPEN;
        }
        return wallet;
    }

    private Uni<Optional<Duration>> backlogAge() {
        return pool.preparedQuery(OLDEST_UNDELIVERED).execute(Tuple.of(Outbox.NOTIFICATION))
                .map(rows -> Optional.of(Duration.ofMillis(
                        (long) (rows.iterator().next().getNumeric("age").doubleValue() * 1000))))
                .ifNoItem().after(config.checkTimeout()).fail()
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("Status: the database did not answer the receipt backlog: %s", e.toString());
                    return Optional.empty();
                });
    }
}
