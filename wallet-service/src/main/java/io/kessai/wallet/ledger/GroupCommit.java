package io.kessai.wallet.ledger;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.kessai.common.batch.Groups;
import io.kessai.wallet.WalletConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Group commit for single transfer requests: concurrent {@code POST /v1/internal/transfers} requests are posted together
 * as one batch ({@link TransferBatches}: one transaction, one commit, each transfer judged alone), and each caller gets
 * its own answer, exactly the one a request of its own would have had.
 * <p>
 * A request is posted at once while fewer than {@code in-flight} groups are being posted (after {@code window}, when
 * one is set); otherwise it waits for one of them to finish and goes with the next group, up to {@code max-batch}
 * requests. So under light load nothing waits, and under heavy load requests share commits instead of queueing for
 * connections. Two requests under the same key never share a group: the second goes with a later one and then
 * answers as a retry does. The groups are formed by {@link Groups}.
 */
@ApplicationScoped
public class GroupCommit {

    /** Posts one group; {@link TransferBatches#post} in the service, something the test controls in unit tests. */
    interface Poster {

        Uni<List<TransferBatches.Result>> post(List<TransferBatches.Item> items);
    }

    private final Groups<TransferBatches.Item, TransferView.Outcome> groups;
    private final boolean enabled;

    @Inject
    GroupCommit(TransferBatches batches, Vertx vertx, WalletConfig config) {
        this(batches::post, vertx, config.groupCommit());
    }

    GroupCommit(Poster batches, Vertx vertx, WalletConfig.GroupCommit config) {
        this.enabled = config.enabled();
        this.groups = new Groups<>(items -> batches.post(items).map(results -> results.stream()
                .map(result -> result.problem() != null
                        ? Groups.Answer.<TransferView.Outcome>failed(result.problem())
                        : Groups.Answer.of(result.outcome()))
                .toList()), item -> item.caller() + '\n' + item.idempotencyKey(), vertx,
                new Groups.Settings(config.maxBatch(), config.inFlight(), config.window()));
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Posts one transfer, validated already, with whatever other requests are waiting. A group that fails as a whole
     * (the database went away, a lock timed out) committed nothing: each of its requests gets the failure, a 503 it
     * may retry under its key.
     */
    public Uni<TransferView.Outcome> post(String caller, String idempotencyKey, TransferRequest request) {
        Transfers.checkIdempotencyKey(idempotencyKey);
        return groups.submit(TransferBatches.Item.validated(caller, idempotencyKey, request));
    }
}
