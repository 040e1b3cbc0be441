package io.kessai.auth.ops;

import static io.kessai.auth.ops.OpsTest.freeze;
import static io.kessai.auth.ops.OpsTest.unfreeze;
import static io.kessai.testing.TestDatabase.count;
import static io.kessai.testing.TestDatabase.queryText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kessai.auth.TestUsers;
import io.kessai.auth.TestUsers.User;
import io.kessai.auth.ops.FakeWalletService.Call;
import io.kessai.auth.ops.FakeWalletService.Mode;
import io.kessai.outbox.OutboxRelay;
import io.kessai.testing.PostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The wallet calls of ops changes, relayed for real through the outbox to a wallet-service that goes down, comes back,
 * loses answers and refuses calls for good: whatever happens on the way, the wallet ends in the state ops left the user
 * in, and it is never frozen or unfreezed before it is open. The test runs the relay itself, one look at a time (the
 * scheduler is off, and a failed call is due again at once), so each step is the same in every run.
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeWalletService.class)
class WalletCallOrderTest {

    /** Looks enough for every call a test queues to get through, however often it is refused first. */
    private static final int MAX_LOOKS = 100;

    @Inject
    OutboxRelay relay;

    @AfterEach
    void walletServiceBackUp() {
        FakeWalletService.mode(Mode.UP);
    }

    /** One look of the relay: each call that is due (first in line for its user) is tried once. */
    private void look() {
        relay.relayDue().await().atMost(Duration.ofSeconds(30));
    }

    private void lookUntil(String what, BooleanSupplier condition) {
        for (int look = 0; look < MAX_LOOKS && !condition.getAsBoolean(); look++) {
            look();
        }
        if (!condition.getAsBoolean()) {
            fail(what + " after " + MAX_LOOKS + " looks of the relay");
        }
    }

    /** No wallet call of the user is left to deliver (a call refused for good stays, as dead). */
    private static boolean drained(UUID userId) {
        return count("SELECT count(*) FROM kessai_outbox WHERE destination = 'wallet' AND NOT dead "
                + "AND ordering_key = 'wallet-customer:" + userId + "'") == 0;
    }

    private static String status(UUID userId) {
        return queryText("SELECT status FROM app_user WHERE id = '" + userId + "'");
    }

    private static String describe(Call call) {
        return call.action() + (call.reason() == null ? "" : ":" + call.reason());
    }

    /** Every call that reached wallet-service for the user, in the order it arrived. */
    private static List<String> sent(UUID userId) {
        return FakeWalletService.calls(userId).stream().map(WalletCallOrderTest::describe).toList();
    }

    /** The calls wallet-service applied for the user, in the order it applied them. */
    private static List<String> applied(UUID userId) {
        return FakeWalletService.calls(userId).stream().filter(Call::applied).map(WalletCallOrderTest::describe)
                .toList();
    }

    /** How often the relay has tried each freeze or unfreeze of the user, in the order they were queued. */
    private static List<Long> attemptsOfChanges(UUID userId) {
        String list = queryText("SELECT string_agg(attempts::text, ',' ORDER BY seq) FROM kessai_outbox "
                + "WHERE destination = 'wallet' AND event_id <> 'auth:wallet-open:" + userId + "' "
                + "AND ordering_key = 'wallet-customer:" + userId + "'");
        return list == null ? List.of() : Arrays.stream(list.split(",")).map(Long::valueOf).toList();
    }

    private static List<String> times(int n, String call) {
        return Collections.nCopies(n, call);
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    @Test
    void eachDestinationGetsATokenWithOnlyTheScopesItsCallsNeed() {
        User user = TestUsers.registered();
        freeze(user.id(), "scoped").statusCode(200);
        lookUntil("delivered", () -> drained(user.id()));
        // The stand-in refuses a call whose token is not the one for its destination's scopes (wallet-service and
        // notification-service check them), so these arriving means the relay asked for the right token.
        assertEquals(List.of("open", "freeze:scoped"), sent(user.id()));
        lookUntil("payment-service told", () -> !FakeWalletService.paymentCalls(user.id()).isEmpty());
        assertEquals(List.of(Map.entry("/freeze", "scoped")), FakeWalletService.paymentCalls(user.id()));
        List<String> asked = FakeWalletService.scopesAsked();
        assertTrue(asked.contains(FakeWalletService.WALLET_SCOPES), "asked: " + asked);
        assertTrue(asked.contains(FakeWalletService.PAYMENT_SCOPES), "asked: " + asked);
        assertTrue(asked.stream().allMatch(scope -> scope.equals(FakeWalletService.WALLET_SCOPES)
                || scope.equals(FakeWalletService.NOTIFICATION_SCOPES)
                || scope.equals(FakeWalletService.PAYMENT_SCOPES)), "never all of the client's scopes: " + asked);
    }

    @Test
    void changesQueuedWhileWalletServiceIsDownArriveAfterTheOpeningInTheirOrder() {
        FakeWalletService.mode(Mode.DOWN);
        User user = TestUsers.registered();
        look();
        assertEquals(List.of("open"), sent(user.id()), "the opening tried");

        freeze(user.id(), "first").statusCode(200);
        unfreeze(user.id(), "second").statusCode(200);
        freeze(user.id(), "third").statusCode(200);
        look();
        look();
        look();
        assertEquals(times(4, "open"), sent(user.id()),
                "nothing but the opening is sent while it is undelivered");

        FakeWalletService.mode(Mode.UP);
        lookUntil("delivered", () -> drained(user.id()));
        // Each change was sent only after the one before it had been applied, and none twice.
        assertEquals(concat(times(5, "open"), List.of("freeze:first", "unfreeze:second", "freeze:third")),
                sent(user.id()));
        assertEquals(List.of("open", "freeze:first", "unfreeze:second", "freeze:third"), applied(user.id()));
        assertEquals("frozen", FakeWalletService.wallet(user.id()));
    }

    @Test
    void anUnfreezeWaitsUntilTheFreezeAheadOfItIsDelivered() {
        User user = TestUsers.registered();
        lookUntil("wallet opened", () -> drained(user.id()));
        assertEquals("active", FakeWalletService.wallet(user.id()));

        FakeWalletService.mode(Mode.DOWN);
        freeze(user.id(), "stolen phone").statusCode(200);
        look();
        look();
        unfreeze(user.id(), "found it").statusCode(200);
        look();
        look();
        look();
        assertEquals(concat(List.of("open"), times(5, "freeze:stolen phone")), sent(user.id()),
                "the unfreeze is held while the freeze is undelivered");

        FakeWalletService.mode(Mode.UP);
        lookUntil("delivered", () -> drained(user.id()));
        assertEquals(List.of("open", "freeze:stolen phone", "unfreeze:found it"), applied(user.id()));
        assertEquals("active", FakeWalletService.wallet(user.id()));
    }

    @Test
    void oneUsersWalletCallsGoOutOneAtATimeInTheOrderOfTheChanges() {
        FakeWalletService.mode(Mode.DOWN);
        User user = TestUsers.registered();
        assertEquals(1, count("SELECT count(*) FROM kessai_outbox WHERE event_id = 'auth:wallet-open:" + user.id()
                + "'"));
        freeze(user.id(), "Ticket SEC-1042").statusCode(200);
        unfreeze(user.id(), "undo").statusCode(200);
        freeze(user.id(), "again").statusCode(200);

        // Nothing goes out behind the undelivered opening, however often the relay looks.
        look();
        look();
        assertEquals(List.of(0L, 0L, 0L), attemptsOfChanges(user.id()));
        assertEquals(times(2, "open"), sent(user.id()));

        // Once the wallet is open, the first freeze is tried, and only it.
        FakeWalletService.mode(Mode.UP);
        look();
        FakeWalletService.mode(Mode.DOWN);
        look();
        look();
        assertEquals(List.of(2L, 0L, 0L), attemptsOfChanges(user.id()));

        // A call refused for good (dead) no longer holds the next one back; the one after still waits.
        FakeWalletService.mode(Mode.REFUSING);
        look();
        assertEquals("true", queryText("SELECT dead::text FROM kessai_outbox WHERE path = "
                + "'/v1/internal/accounts/customers/" + user.id()
                + "/freeze' AND body->>'reason' = 'Ticket SEC-1042'"));
        FakeWalletService.mode(Mode.DOWN);
        look();
        assertEquals(List.of(3L, 1L, 0L), attemptsOfChanges(user.id()));
        assertEquals(concat(times(3, "open"), concat(times(3, "freeze:Ticket SEC-1042"), List.of("unfreeze:undo"))),
                sent(user.id()));

        FakeWalletService.mode(Mode.UP);
        lookUntil("delivered", () -> drained(user.id()));
        assertEquals(List.of("open", "unfreeze:undo", "freeze:again"), applied(user.id()));
        assertEquals("frozen", FakeWalletService.wallet(user.id()));
    }

    @Test
    void throughAnUnreliableWalletServiceTheWalletEndsAsOpsLeftTheUser() {
        FakeWalletService.mode(Mode.FLAKY);
        User user = TestUsers.registered();
        List<String> changes = new ArrayList<>(List.of("open"));
        for (int change = 0; change < 9; change++) {
            String action = change % 2 == 0 ? "freeze" : "unfreeze";
            (change % 2 == 0 ? freeze(user.id(), "change " + change) : unfreeze(user.id(), "change " + change))
                    .statusCode(200);
            changes.add(action + ":change " + change);
            int sent = FakeWalletService.calls(user.id()).size();
            look();
            assertEquals(sent + 1, FakeWalletService.calls(user.id()).size(),
                    "each look sends the user's next call in line, and only it");
        }
        assertEquals("frozen", status(user.id()));

        lookUntil("delivered", () -> drained(user.id()));
        assertEquals("frozen", FakeWalletService.wallet(user.id()));
        // A lost answer makes the relay send the call again, so wallet-service applies it twice in a row; apart from
        // that, it applied every change once, in the order ops made them.
        assertEquals(changes, withoutRepeats(applied(user.id())));
        assertTrue(applied(user.id()).size() > changes.size(), "answers were lost: " + applied(user.id()));
    }

    private static List<String> withoutRepeats(List<String> calls) {
        List<String> once = new ArrayList<>();
        for (String call : calls) {
            if (once.isEmpty() || !once.get(once.size() - 1).equals(call)) {
                once.add(call);
            }
        }
        return once;
    }
}
