package io.kessai.wallet.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import io.kessai.common.problem.ProblemException;
import io.kessai.wallet.account.AccountInfo;
import io.kessai.wallet.account.AccountKind;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the posting rules over random ledgers and random sequences of transfers: whatever is asked, money is
 * conserved, entries balance per leg, balance-after figures chain, no normal account goes below what it reserves, a
 * refused transfer is refused for a ledger rule, and the lock set is ordered and covers everything touched.
 *
 * <p>To replay a failure, put the seed jqwik reports with it ({@code seed = ...}) into that property's annotation,
 * e.g. {@code @Property(tries = 300, seed = "-2783468212941045981")}, and remove it once fixed. Until the next
 * {@code clean}, jqwik also tries the last failing sample first (its database is target/jqwik-database, set in the
 * module's pom).
 */
class PostingPropertiesTest {

    private static final long LIMIT = 50_000;
    private static final Set<String> LEDGER_RULES = Set.of("insufficient-funds", "balance-limit-exceeded",
            "account-frozen", "account-closed");

    /** A transfer over accounts named by index into the ledger. */
    record Op(TransferKind kind, List<int[]> legs, long seed) {
    }

    /** A small ledger: customers (one sub-account), merchants (several), one system account that may go negative. */
    static final class Ledger {

        final List<AccountInfo> accounts = new ArrayList<>();
        final Map<Posting.Key, SubAccount> rows = new LinkedHashMap<>();
        final Map<UUID, String> status = new HashMap<>();

        Ledger(int customers, int merchants, int merchantShards, Random random) {
            accounts.add(new AccountInfo(new UUID(0, 1), AccountKind.SYSTEM, "funding", "JPY", true, 4));
            for (int i = 0; i < customers; i++) {
                accounts.add(new AccountInfo(new UUID(1, i), AccountKind.CUSTOMER, "c" + i, "JPY", false, 1));
            }
            for (int i = 0; i < merchants; i++) {
                accounts.add(new AccountInfo(new UUID(2, i), AccountKind.MERCHANT, "m" + i, "JPY", false,
                        merchantShards));
            }
            for (AccountInfo account : accounts) {
                String state = account.kind() == AccountKind.SYSTEM
                        ? "active"
                        : switch (random.nextInt(12)) {
                            case 0 -> "frozen";
                            case 1 -> "closed";
                            default -> "active";
                        };
                status.put(account.id(), state);
                for (int shard = 0; shard < account.subAccounts(); shard++) {
                    rows.put(new Posting.Key(account.id(), shard), new SubAccount(account.id(), shard, 0, 0, state));
                }
            }
        }

        Map<UUID, AccountInfo> byId() {
            Map<UUID, AccountInfo> byId = new HashMap<>();
            accounts.forEach(account -> byId.put(account.id(), account));
            return byId;
        }

        long total() {
            return rows.values().stream().mapToLong(SubAccount::balance).sum();
        }

        /** The locked copies a transaction would read: changes to them are kept only if the posting succeeds. */
        Map<Posting.Key, SubAccount> lock(NavigableSet<Posting.Key> keys) {
            Map<Posting.Key, SubAccount> copies = new HashMap<>();
            for (Posting.Key key : keys) {
                SubAccount row = rows.get(key);
                copies.put(key, new SubAccount(row.accountId(), row.shard(), row.balance(), row.held(), row.status()));
            }
            return copies;
        }

        void commit(Posting.Plan plan) {
            plan.changed().forEach(row -> rows.put(new Posting.Key(row.accountId(), row.shard()), row));
        }
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<TransferKind> kinds = Arbitraries.of(TransferKind.class);
        Arbitrary<int[]> leg = Combinators.combine(Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 7), Arbitraries.integers().between(1, 30_000))
                .as((from, to, amount) -> new int[]{from, to, amount});
        Arbitrary<List<int[]>> legs = leg.list().ofMinSize(1).ofMaxSize(3);
        return Combinators.combine(kinds, legs, Arbitraries.longs()).as(Op::new).list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 300)
    void postingsConserveMoneyBalanceTheirLegsAndNeverOverdraw(@ForAll("operations") List<Op> operations,
            @ForAll long seed) {
        Random random = new Random(seed);
        Ledger ledger = new Ledger(4, 3, 1 + random.nextInt(6), random);
        Map<UUID, AccountInfo> byId = ledger.byId();
        for (Op op : operations) {
            List<Posting.Leg> legs = legsOf(op, ledger);
            if (legs.isEmpty()) {
                continue;
            }
            Random picks = new Random(op.seed());
            Posting posting = new Posting(op.kind(), legs, byId, LIMIT, picks::nextInt);
            NavigableSet<Posting.Key> keys = posting.lockSet();
            assertLockSetCoversTheLegs(keys, legs, byId);
            Map<Posting.Key, SubAccount> locked = ledger.lock(keys);
            try {
                Posting.Plan plan = posting.apply(locked, null);
                assertEntriesBalancePerLeg(plan, legs.size());
                assertRunningBalances(plan, ledger);
                assertNoCreditTakesACustomerOverTheLimit(op.kind(), plan, byId);
                ledger.commit(plan);
            } catch (ProblemException refused) {
                assertTrue(LEDGER_RULES.contains(refused.code()), refused.code());
            }
            assertEquals(0, ledger.total(), "money is conserved");
            for (SubAccount row : ledger.rows.values()) {
                AccountInfo account = byId.get(row.accountId());
                assertTrue(account.mayGoNegative() || row.balance() >= row.held(), "no overdraft: " + row.balance());
            }
        }
    }

    @Property(tries = 200)
    void frozenAndClosedAccountsAreNeverDebitedButFrozenMerchantsAndTopUpsPayBack(
            @ForAll("operations") List<Op> operations,
            @ForAll long seed) {
        Random random = new Random(seed);
        Ledger ledger = new Ledger(4, 3, 3, random);
        Map<UUID, AccountInfo> byId = ledger.byId();
        for (Op op : operations) {
            List<Posting.Leg> legs = legsOf(op, ledger);
            if (legs.isEmpty()) {
                continue;
            }
            Posting posting = new Posting(op.kind(), legs, byId, LIMIT, new Random(op.seed())::nextInt);
            try {
                Posting.Plan plan = posting.apply(ledger.lock(posting.lockSet()), null);
                for (Posting.Entry entry : plan.entries()) {
                    String state = ledger.status.get(entry.accountId());
                    assertTrue(!"closed".equals(state), "a closed account moved money");
                    AccountKind debited = byId.get(entry.accountId()).kind();
                    AccountKind credited = byId.get(legs.get(entry.leg()).to()).kind();
                    // A frozen merchant pays back its customers; a frozen wallet pays back a top-up (a reversal to a
                    // system account).
                    boolean paysBack = "frozen".equals(state) && (op.kind().returnsMoney()
                            && debited == AccountKind.MERCHANT
                            || op.kind() == TransferKind.REVERSAL
                                    && debited == AccountKind.CUSTOMER && credited == AccountKind.SYSTEM);
                    assertTrue(entry.amount() > 0 || "active".equals(state) || paysBack,
                            "a " + state + " account was debited by a " + op.kind());
                    assertTrue(entry.amount() < 0 || "active".equals(state) || op.kind().returnsMoney(),
                            "a " + state + " account was credited by a " + op.kind());
                }
                ledger.commit(plan);
            } catch (ProblemException refused) {
                assertTrue(LEDGER_RULES.contains(refused.code()), refused.code());
            }
        }
    }

    /** The operation's legs over the ledger's accounts, leaving out any leg from an account to itself. */
    private static List<Posting.Leg> legsOf(Op op, Ledger ledger) {
        List<Posting.Leg> legs = new ArrayList<>();
        for (int[] leg : op.legs()) {
            UUID from = ledger.accounts.get(leg[0] % ledger.accounts.size()).id();
            UUID to = ledger.accounts.get(leg[1] % ledger.accounts.size()).id();
            if (!from.equals(to)) {
                legs.add(new Posting.Leg(from, to, leg[2]));
            }
        }
        return legs;
    }

    private static void assertLockSetCoversTheLegs(NavigableSet<Posting.Key> keys, List<Posting.Leg> legs,
            Map<UUID, AccountInfo> accounts) {
        Posting.Key previous = null;
        for (Posting.Key key : keys) {
            assertTrue(previous == null || Posting.LOCK_ORDER.compare(previous, key) < 0, "locks in one order");
            previous = key;
        }
        for (Posting.Leg leg : legs) {
            AccountInfo from = accounts.get(leg.from());
            if (!from.mayGoNegative()) {
                for (int shard = 0; shard < from.subAccounts(); shard++) {
                    assertTrue(keys.contains(new Posting.Key(from.id(), shard)),
                            "a debit sees the whole balance of " + from.id());
                }
            }
        }
    }

    /** Only refunds and reversals may credit a customer past the cap (returning money never fails). */
    private static void assertNoCreditTakesACustomerOverTheLimit(TransferKind kind, Posting.Plan plan,
            Map<UUID, AccountInfo> accounts) {
        for (Posting.Entry entry : plan.entries()) {
            if (entry.amount() > 0 && accounts.get(entry.accountId()).kind() == AccountKind.CUSTOMER) {
                assertTrue(entry.balanceAfter() <= LIMIT || kind.returnsMoney(),
                        "a " + kind + " took a customer to " + entry.balanceAfter());
            }
        }
    }

    private static void assertEntriesBalancePerLeg(Posting.Plan plan, int legs) {
        long[] sums = new long[legs];
        for (Posting.Entry entry : plan.entries()) {
            sums[entry.leg()] += entry.amount();
            assertTrue(entry.amount() != 0, "no empty entries");
        }
        for (long sum : sums) {
            assertEquals(0, sum, "each leg's entries balance");
        }
    }

    /** Each entry's balance-after follows from the sub-account's balance before the transfer and the entries before. */
    private static void assertRunningBalances(Posting.Plan plan, Ledger before) {
        Map<Posting.Key, Long> running = new HashMap<>();
        for (Posting.Entry entry : plan.entries()) {
            Posting.Key key = new Posting.Key(entry.accountId(), entry.shard());
            long previous = running.getOrDefault(key, before.rows.get(key).balance());
            assertEquals(previous + entry.amount(), entry.balanceAfter());
            running.put(key, entry.balanceAfter());
        }
    }
}
