package io.kessai.wallet.ledger;

import java.util.UUID;

/** One locked sub-account row as a posting sees and changes it. */
public final class SubAccount {

    private final UUID accountId;
    private final int shard;
    private final String status;
    private long balance;
    private long held;
    private boolean changed;

    public SubAccount(UUID accountId, int shard, long balance, long held, String status) {
        this.accountId = accountId;
        this.shard = shard;
        this.balance = balance;
        this.held = held;
        this.status = status;
    }

    public UUID accountId() {
        return accountId;
    }

    public int shard() {
        return shard;
    }

    public long balance() {
        return balance;
    }

    public long held() {
        return held;
    }

    public String status() {
        return status;
    }

    public boolean changed() {
        return changed;
    }

    /** The sub-account's state at a moment, to go back to when a transfer of a batch is refused. */
    record Mark(long balance, long held, boolean changed) {
    }

    Mark mark() {
        return new Mark(balance, held, changed);
    }

    void reset(Mark mark) {
        balance = mark.balance();
        held = mark.held();
        changed = mark.changed();
    }

    /** What can be debited without touching reserved money. */
    long available() {
        return balance - held;
    }

    void add(long amount) {
        balance = Math.addExact(balance, amount);
        changed = true;
    }

    void reserve(long amount) {
        held = Math.addExact(held, amount);
        changed = true;
    }

    void release(long amount) {
        if (amount > held) {
            throw new IllegalStateException("releasing " + amount + " but only " + held + " is held on " + accountId);
        }
        held -= amount;
        changed = true;
    }
}
