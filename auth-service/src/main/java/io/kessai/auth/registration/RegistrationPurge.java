package io.kessai.auth.registration;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Deletes registrations that were never confirmed within an hour, so a number someone typed by mistake is not held
 * (nor its password hash kept) by a stranger's abandoned attempt. Safe on any number of replicas (a plain delete).
 */
@ApplicationScoped
public class RegistrationPurge {

    private static final Logger LOG = Logger.getLogger(RegistrationPurge.class);

    private final Pool pool;

    RegistrationPurge(Pool pool) {
        this.pool = pool;
    }

    @Scheduled(every = "5M", delayed = "1M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return purge().onFailure().invoke(e -> LOG.warnf("Purging unconfirmed registrations failed: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes unconfirmed registrations older than an hour; answers how many. */
    public Uni<Integer> purge() {
        return pool.query("DELETE FROM app_user WHERE status = 'pending' AND created_at < now() - interval '1 hour'")
                .execute().map(rows -> rows.rowCount());
    }
}
