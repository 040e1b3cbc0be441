package io.kessai.wallet.ledger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;

import io.kessai.wallet.account.AccountInfo;
import io.kessai.wallet.account.AccountKind;

/**
 * Decides what a transfer does to the sub-accounts it locked: which rule it breaks, or the entries it writes and the
 * balances they leave. Pure logic over values, so the ledger's rules are tested without a database (see
 * {@code PostingPropertiesTest}) and the database work is one lock and one write.
 *
 * <p>Which sub-account takes a leg: a credit, and a debit of an account that may go negative, need no balance check,
 * so they take one sub-account picked at random and lock only that row; this is what keeps a merchant paid hundreds of
 * times a second from serialising its payers. A debit of any other account must see the whole balance, so it locks
 * all of the account's sub-accounts (in the one global order, so transfers never deadlock) and takes what it needs
 * from them in sub-account order.
 */
public final class Posting {

    /** Sub-accounts are locked in this order by every transaction, so that no two transfers wait on each other. */
    public static final Comparator<Key> LOCK_ORDER = Comparator.comparing(Key::accountId).thenComparingInt(Key::shard);

    public record Key(UUID accountId, int shard) {
    }

    public record Leg(UUID from, UUID to, long amount) {
    }

    /** A signed change to one sub-account: credits positive, debits negative. */
    public record Entry(int leg, UUID accountId, int shard, long amount, long balanceAfter) {
    }

    /** Reserved money released before the legs are applied (a hold being captured). */
    public record Release(UUID accountId, long amount) {
    }

    public record Plan(List<Entry> entries, List<SubAccount> changed) {
    }

    private final TransferKind kind;
    private final List<Leg> legs;
    private final Map<UUID, AccountInfo> accounts;
    private final long customerBalanceLimit;
    private final Map<UUID, Integer> pickedShard = new TreeMap<>();

    /**
     * @param pick chooses a random sub-account index below its argument; tests pass a seeded one
     */
    public Posting(TransferKind kind, List<Leg> legs, Map<UUID, AccountInfo> accounts, long customerBalanceLimit,
            IntUnaryOperator pick) {
        this((ToIntFunction<AccountInfo>) account -> pick.applyAsInt(account.subAccounts()), kind, legs, accounts,
                customerBalanceLimit);
    }

    /**
     * A posting whose sub-accounts {@code pick} chooses per account: a batch gives every transfer of it the same one
     * per account, so that a batch of payments to one merchant locks one of its sub-accounts, not all of them.
     */
    static Posting pickingPerAccount(TransferKind kind, List<Leg> legs, Map<UUID, AccountInfo> accounts,
            long customerBalanceLimit, ToIntFunction<AccountInfo> pick) {
        return new Posting(pick, kind, legs, accounts, customerBalanceLimit);
    }

    private Posting(ToIntFunction<AccountInfo> pick, TransferKind kind, List<Leg> legs, Map<UUID, AccountInfo> accounts,
            long customerBalanceLimit) {
        this.kind = kind;
        this.legs = List.copyOf(legs);
        this.accounts = accounts;
        this.customerBalanceLimit = customerBalanceLimit;
        for (Leg leg : legs) {
            for (UUID id : List.of(leg.from(), leg.to())) {
                AccountInfo account = accounts.get(id);
                pickedShard.computeIfAbsent(id, ignored -> pick.applyAsInt(account));
            }
        }
    }

    /** The sub-accounts to lock before {@link #apply}, in lock order. */
    public NavigableSet<Key> lockSet() {
        NavigableSet<Key> keys = new TreeSet<>(LOCK_ORDER);
        for (Leg leg : legs) {
            AccountInfo from = accounts.get(leg.from());
            if (needsWholeBalance(from)) {
                for (int shard = 0; shard < from.subAccounts(); shard++) {
                    keys.add(new Key(from.id(), shard));
                }
            } else {
                keys.add(new Key(from.id(), pickedShard.get(from.id())));
            }
            keys.add(new Key(leg.to(), pickedShard.get(leg.to())));
        }
        return keys;
    }

    /** Also locks every sub-account of {@code accountId}, e.g. to release a hold on sub-account 0. */
    public static NavigableSet<Key> withWholeAccount(NavigableSet<Key> keys, AccountInfo account) {
        for (int shard = 0; shard < account.subAccounts(); shard++) {
            keys.add(new Key(account.id(), shard));
        }
        return keys;
    }

    /**
     * Applies the legs in order to the locked sub-accounts (changing them), or throws the first rule broken, checking
     * account states for every leg before any amount.
     */
    public Plan apply(Map<Key, SubAccount> locked, Release release) {
        for (int i = 0; i < legs.size(); i++) {
            Leg leg = legs.get(i);
            String status = statusOf(locked, leg.from());
            if ("closed".equals(status)) {
                throw LedgerProblem.ACCOUNT_CLOSED.exception("Account " + leg.from() + " is closed.",
                        "legs[" + i + "].from");
            }
            if ("frozen".equals(status) && !paysBackFromFrozen(accounts.get(leg.from()), accounts.get(leg.to()))) {
                throw LedgerProblem.ACCOUNT_FROZEN.exception(
                        "Account " + leg.from() + " is frozen: nothing can be debited from it"
                                + (accounts.get(leg.from()).kind() == AccountKind.MERCHANT
                                        ? " but refunds and reversals."
                                        : " but reversals of its top-ups."),
                        "legs[" + i + "].from");
            }
            String toStatus = statusOf(locked, leg.to());
            if ("closed".equals(toStatus)) {
                throw LedgerProblem.ACCOUNT_CLOSED.exception("Account " + leg.to() + " is closed.",
                        "legs[" + i + "].to");
            }
            if ("frozen".equals(toStatus) && !kind.returnsMoney()) {
                throw LedgerProblem.ACCOUNT_FROZEN.exception("Account " + leg.to()
                        + " is frozen: it can receive only refunds and reversals.", "legs[" + i + "].to");
            }
        }
        if (release != null) {
            locked.get(new Key(release.accountId(), 0)).release(release.amount());
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < legs.size(); i++) {
            Leg leg = legs.get(i);
            debit(i, leg, locked, entries);
            credit(i, leg, locked, entries);
        }
        List<SubAccount> changed = locked.values().stream().filter(SubAccount::changed).toList();
        return new Plan(List.copyOf(entries), changed);
    }

    private void debit(int index, Leg leg, Map<Key, SubAccount> locked, List<Entry> entries) {
        AccountInfo from = accounts.get(leg.from());
        if (!needsWholeBalance(from)) {
            SubAccount shard = locked.get(new Key(from.id(), pickedShard.get(from.id())));
            shard.add(-leg.amount());
            entries.add(new Entry(index, from.id(), shard.shard(), -leg.amount(), shard.balance()));
            return;
        }
        List<SubAccount> shards = shardsOf(locked, from);
        long available = 0;
        for (SubAccount shard : shards) {
            available += shard.available();
        }
        if (available < leg.amount()) {
            throw LedgerProblem.INSUFFICIENT_FUNDS.exception("Account " + from.id() + " has " + available + " "
                    + from.currency() + " available; leg " + index + " needs " + leg.amount() + ".",
                    "legs[" + index + "].amount");
        }
        long remaining = leg.amount();
        for (SubAccount shard : shards) {
            long take = Math.min(shard.available(), remaining);
            if (take > 0) {
                shard.add(-take);
                entries.add(new Entry(index, from.id(), shard.shard(), -take, shard.balance()));
                remaining -= take;
            }
        }
    }

    private void credit(int index, Leg leg, Map<Key, SubAccount> locked, List<Entry> entries) {
        AccountInfo to = accounts.get(leg.to());
        if (to.kind() == AccountKind.CUSTOMER && !kind.returnsMoney()) {
            long balance = 0;
            for (SubAccount shard : shardsOf(locked, to)) {
                balance += shard.balance();
            }
            if (balance + leg.amount() > customerBalanceLimit) {
                throw LedgerProblem.BALANCE_LIMIT_EXCEEDED.exception("A customer wallet may hold at most "
                        + customerBalanceLimit + " " + to.currency() + "; account " + to.id() + " holds " + balance
                        + " and leg " + index + " would add " + leg.amount() + ".", "legs[" + index + "].amount");
            }
        }
        SubAccount shard = locked.get(new Key(to.id(), pickedShard.get(to.id())));
        shard.add(leg.amount());
        entries.add(new Entry(index, to.id(), shard.shard(), leg.amount(), shard.balance()));
    }

    /**
     * A frozen merchant stops taking payments, but the money it holds still goes back to the customers it came from:
     * refunds and reversals may debit it. Any other frozen account is never debited.
     */
    /**
     * What a frozen account still pays: a frozen merchant its refunds and reversals (its customers get their money
     * back), and a frozen customer wallet the reversal of a top-up (money back to the system account it came from, so
     * that a card topped up by a thief is made whole: 7pay). A freeze stops the account's owner, not the repair.
     */
    private boolean paysBackFromFrozen(AccountInfo from, AccountInfo to) {
        return from.kind() == AccountKind.MERCHANT && kind.returnsMoney()
                || from.kind() == AccountKind.CUSTOMER && kind == TransferKind.REVERSAL && to != null
                        && to.kind() == AccountKind.SYSTEM;
    }

    private static boolean needsWholeBalance(AccountInfo account) {
        return !account.mayGoNegative();
    }

    private static String statusOf(Map<Key, SubAccount> locked, UUID accountId) {
        for (Map.Entry<Key, SubAccount> entry : locked.entrySet()) {
            if (entry.getKey().accountId().equals(accountId)) {
                return entry.getValue().status();
            }
        }
        throw new IllegalStateException("no locked sub-account of " + accountId);
    }

    /** The locked sub-accounts of an account, in sub-account order (customers have exactly one). */
    private static List<SubAccount> shardsOf(Map<Key, SubAccount> locked, AccountInfo account) {
        List<SubAccount> shards = new ArrayList<>();
        for (int shard = 0; shard < account.subAccounts(); shard++) {
            SubAccount row = locked.get(new Key(account.id(), shard));
            if (row != null) {
                shards.add(row);
            }
        }
        return shards;
    }
}
