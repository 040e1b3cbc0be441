package io.kessai.common.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Refuses to start on a database that would acknowledge commits it can lose. With {@code synchronous_commit=off}
 * PostgreSQL answers COMMIT before the WAL is on disk, so a crash of the server takes whole transactions with it that
 * clients were told had succeeded (the ledger's sums still balance, so no invariant notices); with {@code fsync=off}
 * a crash of the machine does the same or worse. A service moving money must not run like that by accident: it stops
 * at start with the reason, unless {@code kessai.db.require-durable-commits=false} says it was meant (the test
 * profile, whose throw-away databases need not survive a crash, and a benchmark measuring what durability costs),
 * and then it warns.
 */
@Singleton
public class DurableCommits {

    private static final Logger LOG = Logger.getLogger(DurableCommits.class);

    void check(@Observes StartupEvent start, Pool pool,
            @ConfigProperty(name = "kessai.db.require-durable-commits", defaultValue = "true") boolean required) {
        // Start-up runs on the main thread, never an event loop: waiting here delays readiness, which is the point.
        Row settings = pool.query("SELECT current_setting('synchronous_commit') AS synchronous_commit, "
                + "current_setting('fsync') AS fsync").execute().await().atMost(Duration.ofSeconds(30)).iterator()
                .next();
        List<String> unsafe = unsafe(settings.getString("synchronous_commit"), settings.getString("fsync"));
        if (unsafe.isEmpty()) {
            return;
        }
        String problem = "PostgreSQL acknowledges commits it can lose (" + String.join(", ", unsafe)
                + "): a crash would lose transactions that clients were told had succeeded. Run it with "
                + "synchronous_commit=on and fsync=on";
        if (required) {
            throw new IllegalStateException(problem + ", or set kessai.db.require-durable-commits=false if this is "
                    + "meant (never where real money moves).");
        }
        LOG.warnf("%s. Accepted because kessai.db.require-durable-commits=false; never run like this where real money "
                + "moves.", problem);
    }

    /** The settings that make a commit losable; {@code local}, {@code remote_write} and the like flush locally. */
    static List<String> unsafe(String synchronousCommit, String fsync) {
        List<String> unsafe = new ArrayList<>();
        if ("off".equalsIgnoreCase(synchronousCommit)) {
            unsafe.add("synchronous_commit=off");
        }
        if ("off".equalsIgnoreCase(fsync)) {
            unsafe.add("fsync=off");
        }
        return unsafe;
    }
}
