package io.kessai.auth.ops;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.common.id.TimeOrderedUuid;
import io.kessai.outbox.Outbox;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Freezes and unfreezes a customer's wallet through the outbox, in the order ops changed the user.
 *
 * <p>The outbox relay does not keep order: it sends a batch concurrently, and each row that fails backs off on its own
 * jittered schedule, so after a wallet-service outage a freeze and a later unfreeze (or the wallet's opening and a
 * freeze) could arrive the wrong way round and leave the wallet in the state ops left behind. wallet-service's
 * calls set an absolute state, so only the newest change matters; this class keeps, per user:
 * <ul>
 * <li>at most one freeze or unfreeze call that was never tried: a new change deletes an untried earlier one (it never
 * reached wallet-service, and the new one supersedes it);</li>
 * <li>a new change <em>held</em> ({@code next_attempt_at = 'infinity'}, which the relay never claims) while an earlier
 * call for the user that may have reached wallet-service is still undelivered: the wallet's opening, or a freeze or
 * unfreeze already tried. {@link #release()} makes it due once nothing is ahead of it (delivered rows are deleted;
 * a dead row, which wallet-service refused for good, no longer blocks).</li>
 * </ul>
 * So wallet-service receives one user's calls one at a time, in the order of the changes, and ends in the state of
 * the newest. The changes themselves serialise on the user's row ({@code FOR UPDATE} in {@link UserFreezes}).
 */
@ApplicationScoped
public class WalletStatusCalls {

    private static final Logger LOG = Logger.getLogger(WalletStatusCalls.class);

    /** The outbox destination of wallet-service (kessai.outbox.destinations.wallet), as for opening a wallet. */
    static final String WALLET = "wallet";
    /** Key of the call that opens the wallet at activation (registration/Registrations). */
    static final String OPEN_KEY = "auth:wallet-open:";

    /** A change of the wallet's state: its outbox key part and wallet-service's path segment. */
    enum Change {

        FREEZE("wallet-freeze", "freeze"), UNFREEZE("wallet-unfreeze", "unfreeze");

        final String keyPart;
        final String action;

        Change(String keyPart, String action) {
            this.keyPart = keyPart;
            this.action = action;
        }

        /** Every key of this change for the user starts so; the key is {@code auth:<part>:<userId>:<change id>}. */
        String prefix(UUID userId) {
            return "auth:" + keyPart + ":" + userId + ":";
        }
    }

    private final Pool pool;
    private final Outbox outbox;

    WalletStatusCalls(Pool pool, Outbox outbox) {
        this.pool = pool;
        this.outbox = outbox;
    }

    /** Queues the call in the change's transaction; answers the outbox key. */
    Uni<String> queue(SqlConnection tx, UUID userId, Change change, String reason) {
        String key = change.prefix(userId) + TimeOrderedUuid.next();
        String freezes = Change.FREEZE.prefix(userId);
        String unfreezes = Change.UNFREEZE.prefix(userId);
        // Untried and so certainly not at wallet-service: superseded. A row the relay has claimed has attempts > 0
        // (the claim and this delete lock the row, so one of them sees the other's result).
        return tx.preparedQuery("DELETE FROM kessai_outbox WHERE destination = $1 AND attempts = 0 AND NOT dead "
                + "AND (starts_with(event_id, $2) OR starts_with(event_id, $3))")
                .execute(Tuple.of(WALLET, freezes, unfreezes))
                .flatMap(superseded -> outbox.call(tx, key, WALLET,
                        "/v1/internal/accounts/customers/" + userId + "/" + change.action,
                        new JsonObject().put("reason", reason)))
                .flatMap(queued -> tx.preparedQuery("UPDATE kessai_outbox SET next_attempt_at = 'infinity' "
                        + "WHERE event_id = $1 AND EXISTS (SELECT 1 FROM kessai_outbox ahead WHERE NOT ahead.dead "
                        + "AND ahead.event_id <> $1 AND (ahead.event_id = $2 OR starts_with(ahead.event_id, $3) "
                        + "OR starts_with(ahead.event_id, $4)))")
                        .execute(Tuple.of(key, OPEN_KEY + userId, freezes, unfreezes)))
                .replaceWith(key);
    }

    /** Makes a held call due once nothing for its user is ahead of it; safe on every replica (one statement). */
    @Scheduled(every = "${kessai.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledRelease() {
        return release().onFailure().invoke(e -> LOG.warnf("Releasing held wallet calls failed: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Answers how many held calls became due. */
    public Uni<Integer> release() {
        return pool.query("UPDATE kessai_outbox held SET next_attempt_at = now() "
                + "WHERE held.next_attempt_at = 'infinity' AND NOT held.dead AND held.destination = '" + WALLET + "' "
                + "AND split_part(held.event_id, ':', 1) = 'auth' "
                + "AND split_part(held.event_id, ':', 2) IN ('wallet-freeze', 'wallet-unfreeze') "
                + "AND NOT EXISTS (SELECT 1 FROM kessai_outbox ahead WHERE NOT ahead.dead "
                + "AND ahead.next_attempt_at <> 'infinity' AND split_part(ahead.event_id, ':', 1) = 'auth' "
                + "AND split_part(ahead.event_id, ':', 2) IN ('wallet-open', 'wallet-freeze', 'wallet-unfreeze') "
                + "AND split_part(ahead.event_id, ':', 3) = split_part(held.event_id, ':', 3))")
                .execute().map(rows -> rows.rowCount());
    }
}
