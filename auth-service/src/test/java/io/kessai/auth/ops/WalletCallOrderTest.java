package io.kessai.auth.ops;

import static io.kessai.auth.ops.OpsTest.freeze;
import static io.kessai.auth.ops.OpsTest.unfreeze;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.ops.FakeWalletService.Call;
import io.kessai.auth.ops.FakeWalletService.Mode;
import io.kessai.testing.Eventually;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The wallet calls of ops changes, relayed for real through the outbox to a wallet-service that goes down, comes back
 * and loses answers: whatever happens on the way, the wallet ends in the state ops left the user in, and it is never
 * frozen or unfrozen before it is open.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeWalletService.class)
class WalletCallOrderTest {

    @AfterEach
    void walletServiceBackUp() {
        FakeWalletService.mode(Mode.UP);
    }

    private static void await(String what, BooleanSupplier condition) {
        Eventually.until(what, Duration.ofSeconds(30), condition);
    }

    private static boolean drained(UUID userId) {
        return count("SELECT count(*) FROM kessai_outbox WHERE destination = 'wallet' AND (event_id = "
                + "'auth:wallet-open:" + userId + "' OR path LIKE '%/customers/" + userId + "/%')") == 0;
    }

    private static String status(UUID userId) {
        return queryText("SELECT status FROM app_user WHERE id = '" + userId + "'");
    }

    /** The calls wallet-service applied for the user, in the order it applied them. */
    private static List<String> applied(UUID userId) {
        return FakeWalletService.calls(userId).stream().filter(Call::applied)
                .map(call -> call.action() + (call.reason() == null ? "" : ":" + call.reason())).toList();
    }

    @Test
    void changesQueuedWhileWalletServiceIsDownArriveAfterTheOpeningInTheirOrder() {
        FakeWalletService.mode(Mode.DOWN);
        User user = TestUsers.registered();
        await("the opening tried", () -> !FakeWalletService.calls(user.id()).isEmpty());

        freeze(user.id(), "first").statusCode(200);
        unfreeze(user.id(), "second").statusCode(200);
        freeze(user.id(), "third").statusCode(200);
        await("the opening tried a few more times", () -> FakeWalletService.calls(user.id()).size() >= 4);
        assertTrue(FakeWalletService.calls(user.id()).stream().allMatch(call -> call.action().equals("open")),
                "nothing but the opening is sent while it is undelivered: " + FakeWalletService.calls(user.id()));

        FakeWalletService.mode(Mode.UP);
        await("delivered", () -> drained(user.id()));
        // Each change was sent only after the one before it had been applied.
        assertEquals(List.of("open", "freeze:first", "unfreeze:second", "freeze:third"), applied(user.id()));
        assertEquals(applied(user.id()), FakeWalletService.calls(user.id()).stream().skip(
                FakeWalletService.calls(user.id()).size() - 4).map(
                        call -> call.action()
                                + (call.reason() == null ? "" : ":" + call.reason()))
                .toList(),
                "no change was sent twice or out of turn once wallet-service was back");
        assertEquals("frozen", FakeWalletService.wallet(user.id()));
    }

    @Test
    void anUnfreezeWaitsUntilTheFreezeAheadOfItIsDelivered() {
        User user = TestUsers.registered();
        await("wallet opened", () -> drained(user.id()));
        assertEquals("active", FakeWalletService.wallet(user.id()));

        FakeWalletService.mode(Mode.DOWN);
        freeze(user.id(), "stolen phone").statusCode(200);
        await("the freeze tried", () -> FakeWalletService.calls(user.id()).size() >= 2);
        unfreeze(user.id(), "found it").statusCode(200);
        await("the freeze tried a few more times", () -> FakeWalletService.calls(user.id()).size() >= 5);
        assertTrue(FakeWalletService.calls(user.id()).stream().noneMatch(call -> call.action().equals("unfreeze")),
                "the unfreeze is held while the freeze is undelivered: " + FakeWalletService.calls(user.id()));

        FakeWalletService.mode(Mode.UP);
        await("delivered", () -> drained(user.id()));
        assertEquals(List.of("open", "freeze:stolen phone", "unfreeze:found it"), applied(user.id()));
        assertEquals("active", FakeWalletService.wallet(user.id()));
    }

    @Test
    void throughAnUnreliableWalletServiceTheWalletEndsAsOpsLeftTheUser() {
        FakeWalletService.mode(Mode.FLAKY);
        User user = TestUsers.registered();
        for (int change = 0; change < 9; change++) {
            if (change % 2 == 0) {
                freeze(user.id(), "change " + change).statusCode(200);
            } else {
                unfreeze(user.id(), "change " + change).statusCode(200);
            }
            int sent = FakeWalletService.calls(user.id()).size();
            await("wallet-service called again", () -> FakeWalletService.calls(user.id()).size() > sent);
        }
        assertEquals("frozen", status(user.id()));

        await("delivered", () -> drained(user.id()));
        assertEquals("frozen", FakeWalletService.wallet(user.id()));
        List<String> applied = applied(user.id());
        assertEquals("open", applied.get(0), "nothing before the opening: " + applied);
        assertEquals("freeze:change 8", applied.get(applied.size() - 1), "the newest change last: " + applied);
    }
}
