package io.kessai.wallet.ledger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.kessai.wallet.WalletConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
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
 * answers as a retry does.
 */
@ApplicationScoped
public class GroupCommit {

    private record Waiting(TransferBatches.Item item, Context context,
            UniEmitter<? super TransferView.Outcome> emitter) {

        String key() {
            return item.caller() + '\n' + item.idempotencyKey();
        }
    }

    /** Posts one group; {@link TransferBatches#post} in the service, something the test controls in unit tests. */
    interface Poster {

        Uni<List<TransferBatches.Result>> post(List<TransferBatches.Item> items);
    }

    private final Poster batches;
    private final Vertx vertx;
    private final WalletConfig.GroupCommit config;
    private final Deque<Waiting> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean timerSet;

    @Inject
    GroupCommit(TransferBatches batches, Vertx vertx, WalletConfig config) {
        this(batches::post, vertx, config.groupCommit());
    }

    GroupCommit(Poster batches, Vertx vertx, WalletConfig.GroupCommit config) {
        this.batches = batches;
        this.vertx = vertx;
        this.config = config;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Posts one transfer, validated already, with whatever other requests are waiting. */
    public Uni<TransferView.Outcome> post(String caller, String idempotencyKey, TransferRequest request) {
        Transfers.checkIdempotencyKey(idempotencyKey);
        return Uni.createFrom().emitter(emitter -> {
            Waiting request1 = new Waiting(TransferBatches.Item.validated(caller, idempotencyKey, request),
                    Vertx.currentContext(), emitter);
            List<Waiting> group;
            synchronized (this) {
                waiting.add(request1);
                group = nextGroup();
            }
            send(group);
        });
    }

    /** The next group to post now, or null; under the lock. */
    private List<Waiting> nextGroup() {
        if (waiting.isEmpty() || inFlight >= config.inFlight()) {
            return null;
        }
        long windowMillis = config.window().toMillis();
        if (windowMillis > 0 && waiting.size() < config.maxBatch()) {
            if (!timerSet) {
                timerSet = true;
                vertx.setTimer(windowMillis, id -> {
                    List<Waiting> group;
                    synchronized (this) {
                        timerSet = false;
                        group = takeGroup();
                    }
                    send(group);
                });
            }
            return null;
        }
        return takeGroup();
    }

    /** Takes up to max-batch waiting requests with distinct keys; under the lock. */
    private List<Waiting> takeGroup() {
        if (waiting.isEmpty() || inFlight >= config.inFlight()) {
            return null;
        }
        List<Waiting> group = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext() && group.size() < config.maxBatch();) {
            Waiting next = it.next();
            if (keys.add(next.key())) {
                group.add(next);
                it.remove();
            }
        }
        inFlight++;
        return group;
    }

    private void send(List<Waiting> group) {
        if (group == null) {
            return;
        }
        Uni.createFrom().deferred(() -> batches.post(group.stream().map(Waiting::item).toList()))
                .subscribe().with(results -> {
                    finished();
                    for (int i = 0; i < group.size(); i++) {
                        TransferBatches.Result result = results.get(i);
                        Waiting request = group.get(i);
                        answer(request, () -> {
                            if (result.problem() != null) {
                                request.emitter().fail(result.problem());
                            } else {
                                request.emitter().complete(result.outcome());
                            }
                        });
                    }
                }, failure -> {
                    // Nothing of the group was committed (the database went away, a lock timed out): each request gets the
                    // failure, a 503 it may retry under its key.
                    finished();
                    for (Waiting request : group) {
                        answer(request, () -> request.emitter().fail(failure));
                    }
                });
    }

    /** A group is done: the next one, if requests are waiting, goes at once. */
    private void finished() {
        List<Waiting> group;
        synchronized (this) {
            inFlight--;
            group = takeGroup();
        }
        send(group);
    }

    /** Answers on the request's own event loop, where its response is written. */
    private static void answer(Waiting request, Runnable answer) {
        if (request.context() == null) {
            answer.run();
        } else {
            request.context().runOnContext(ignored -> answer.run());
        }
    }
}
