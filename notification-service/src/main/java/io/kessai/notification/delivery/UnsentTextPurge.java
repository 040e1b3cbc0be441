package io.kessai.notification.delivery;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.kessai.notification.NotificationConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Clears the stored text of deliveries that will not go out by themselves (dead or limited) once they are older than
 * the retention: a one-time code must not linger in the database. Such a delivery can no longer be redelivered.
 */
@ApplicationScoped
public class UnsentTextPurge {

    private static final Logger LOG = Logger.getLogger(UnsentTextPurge.class);

    private final Pool pool;
    private final double retentionSeconds;

    UnsentTextPurge(Pool pool, NotificationConfig config) {
        this.pool = pool;
        this.retentionSeconds = config.delivery().unsentTextRetention().toSeconds();
    }

    @Scheduled(every = "10M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return purge().onFailure().invoke(e -> LOG.warnf("Purge of unsent texts failed: %s", e.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Returns how many texts were cleared. */
    public Uni<Integer> purge() {
        return pool.preparedQuery("UPDATE delivery SET subject = NULL, body = NULL "
                + "WHERE status IN ('dead', 'limited') AND body IS NOT NULL "
                + "AND created_at < now() - make_interval(secs => $1)")
                .execute(Tuple.of(retentionSeconds))
                .map(rows -> rows.rowCount());
    }
}
