package io.kessai.wallet.ledger;

import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A transaction whose BEGIN travels with its first statements and whose COMMIT travels with its last, so that a
 * transfer costs two round trips to PostgreSQL instead of four or five: the client pipelines statements sent before
 * earlier answers arrive, and PostgreSQL still runs them strictly in order.
 *
 * <p>The work runs to its end (COMMIT or ROLLBACK, then the connection goes back to the pool) even when the caller
 * stops waiting, so a pooled connection is never handed out inside someone else's transaction.
 */
final class PipelinedTransaction {

    private PipelinedTransaction() {
    }

    /**
     * Runs {@code work} on one connection. The work starts with {@link #begin} and ends with {@link #commit} (or
     * {@link #rollback}); if it fails, the transaction is rolled back (after a failed statement PostgreSQL turns the
     * pipelined COMMIT into a rollback by itself).
     */
    static <T> Uni<T> run(Pool pool, Function<SqlConnection, Uni<T>> work) {
        Uni<T> attached = pool.getConnection()
                .flatMap(connection -> Uni.createFrom().deferred(() -> work.apply(connection))
                        .onFailure()
                        .call(failure -> connection.query("ROLLBACK").execute().onFailure().recoverWithNull())
                        .onTermination().call(connection::close));
        return Uni.createFrom().emitter(emitter -> attached.subscribe().with(emitter::complete, emitter::fail));
    }

    /** BEGIN, pipelined with {@code first}: both are sent at once; answers {@code first}'s result. */
    static <T> Uni<T> begin(SqlConnection connection, Uni<T> first) {
        return Uni.combine().all().unis(connection.query("BEGIN").execute(), first).asTuple()
                .map(results -> results.getItem2());
    }

    /** {@code last}, pipelined with COMMIT. */
    static <T> Uni<T> commit(SqlConnection connection, Uni<T> last) {
        return Uni.combine().all().unis(last, connection.query("COMMIT").execute()).asTuple()
                .map(results -> results.getItem1());
    }

    static <T> Uni<T> rollback(SqlConnection connection, Uni<T> last) {
        return Uni.combine().all().unis(last, connection.query("ROLLBACK").execute()).asTuple()
                .map(results -> results.getItem1());
    }
}
