package io.kessai.wallet.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.WalletConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/** How group commit forms groups, with a poster the test completes by hand: no timing involved. */
class GroupCommitGroupsTest {

    /** The groups posted, each waiting for the test to answer it. */
    private final List<List<TransferBatches.Item>> groups = new ArrayList<>();
    private final List<UniEmitter<? super List<TransferBatches.Result>>> pending = new ArrayList<>();

    private final GroupCommit groupCommit = new GroupCommit(items -> Uni.createFrom().emitter(emitter -> {
        groups.add(items);
        pending.add(emitter);
    }), null, settings(1, 3));

    private static WalletConfig.GroupCommit settings(int inFlight, int maxBatch) {
        return new WalletConfig.GroupCommit() {

            public boolean enabled() {
                return true;
            }

            public Duration window() {
                return Duration.ZERO;
            }

            public int maxBatch() {
                return maxBatch;
            }

            public int inFlight() {
                return inFlight;
            }
        };
    }

    private static TransferRequest request(long amount) {
        return new TransferRequest("payment", null, Map.of(), List.of(new TransferRequest.LegRequest(UUID.randomUUID(),
                UUID.randomUUID(), amount, null)));
    }

    private AtomicReference<Object> send(String key) {
        AtomicReference<Object> answer = new AtomicReference<>();
        groupCommit.post("payment-service", key, request(1)).subscribe().with(answer::set, answer::set);
        return answer;
    }

    private static TransferBatches.Result posted() {
        return new TransferBatches.Result(new TransferView.Outcome(null, false), null);
    }

    @Test
    void aLoneRequestGoesAtOnceAndTheRestWaitForTheNextGroupWithoutSharingAKey() {
        AtomicReference<Object> a = send("a");
        assertEquals(1, groups.size(), "nothing in flight: the first request goes alone, at once");
        AtomicReference<Object> b = send("b");
        AtomicReference<Object> c = send("c");
        AtomicReference<Object> bAgain = send("b");
        AtomicReference<Object> d = send("d");
        AtomicReference<Object> e = send("e");
        assertEquals(1, groups.size(), "one group in flight at most: the others wait");

        pending.get(0).complete(List.of(posted()));
        assertTrue(a.get() instanceof TransferView.Outcome);
        assertEquals(2, groups.size());
        assertEquals(List.of("b", "c", "d"), groups.get(1).stream().map(TransferBatches.Item::idempotencyKey).toList(),
                "up to max-batch, and the second b waits for a later group");

        ProblemException refused = new ProblemException(422, "insufficient-funds", "Insufficient funds", "no");
        pending.get(1).complete(List.of(posted(), new TransferBatches.Result(null, refused), posted()));
        assertTrue(b.get() instanceof TransferView.Outcome);
        assertSame(refused, c.get(), "each request gets its own answer");
        assertTrue(d.get() instanceof TransferView.Outcome);
        assertEquals(List.of("b", "e"), groups.get(2).stream().map(TransferBatches.Item::idempotencyKey).toList());

        IllegalStateException databaseGone = new IllegalStateException("connection closed");
        pending.get(2).fail(databaseGone);
        assertSame(databaseGone, bAgain.get(), "a group that failed as a whole fails each of its requests");
        assertSame(databaseGone, e.get());

        AtomicReference<Object> f = send("f");
        assertEquals(4, groups.size(), "nothing in flight again: at once");
        pending.get(3).complete(List.of(posted()));
        assertTrue(f.get() instanceof TransferView.Outcome);
    }
}
