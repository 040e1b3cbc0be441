package io.kessai.auth.session;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes what has ended and no limit still reads: sign-in challenges and one-time codes a day after they ended (the
 * per-number SMS limits look back one hour), and refresh-token families a day after they expired or were revoked.
 * The audit log keeps the history. Safe on any number of replicas (plain deletes).
 */
@ApplicationScoped
public class ExpiredRecordsPurge {

    private static final Logger LOG = Logger.getLogger(ExpiredRecordsPurge.class);

    private final Pool pool;

    ExpiredRecordsPurge(Pool pool) {
        this.pool = pool;
    }

    @Scheduled(every = "1H", delayed = "10M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return purge().onFailure().invoke(e -> LOG.warnf("Purging ended sign-in records failed: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Answers how many rows went. */
    public Uni<Integer> purge() {
        return pool.query("WITH challenges AS (DELETE FROM login_challenge WHERE expires_at < now() - interval '1 day' "
                + "RETURNING 1), codes AS (DELETE FROM otp_challenge WHERE expires_at < now() - interval '1 day' "
                + "RETURNING 1), families AS (DELETE FROM refresh_family WHERE least(expires_at, revoked_at) "
                + "< now() - interval '1 day' RETURNING 1), "
                + "proofs AS (DELETE FROM dpop_proof WHERE expires_at < now() RETURNING 1) "
                + "SELECT (SELECT count(*) FROM challenges) + (SELECT count(*) FROM codes) "
                + "+ (SELECT count(*) FROM families) + (SELECT count(*) FROM proofs) AS n").execute()
                .map(rows -> rows.iterator().next().getInteger("n"));
    }
}
