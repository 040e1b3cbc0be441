-- The double-entry ledger. Amounts are integers in minor units (yen have none). See wallet-service/README.md.

-- An account: a customer's wallet, a merchant's account, or a system account (only those may go negative).
-- Its balance lives in one or more sub-account rows (account_shard): credits land on any one of them, so a merchant
-- paid hundreds of times a second is not serialised on a single row; its balance is the sum of its sub-accounts.
CREATE TABLE account (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('customer', 'merchant', 'system')),
    owner_id        text NOT NULL,
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
    status_reason   text,
    may_go_negative boolean NOT NULL DEFAULT false CHECK (NOT may_go_negative OR kind = 'system'),
    sub_accounts    integer NOT NULL CHECK (sub_accounts BETWEEN 1 AND 64),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, owner_id, currency)
);

-- The rows a transfer locks. They carry a copy of the account's status so that the lock that serialises money
-- movement also serialises a freeze: a freeze updates these rows, so it waits for transfers in flight and every
-- later transfer sees it. Holds are reserved on sub-account 0 (holds are for single sub-account wallets).
CREATE TABLE account_shard (
    account_id      uuid NOT NULL REFERENCES account (id),
    shard           integer NOT NULL,
    balance         bigint NOT NULL DEFAULT 0,
    held            bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    status          text NOT NULL,
    may_go_negative boolean NOT NULL,
    PRIMARY KEY (account_id, shard),
    -- The last line of defence: whatever the code does, a normal account never goes below what it has reserved.
    CHECK (may_go_negative OR balance >= held)
);

-- A transfer: one or more legs, posted together or not at all, idempotent on (caller, idempotency key).
CREATE TABLE transfer (
    id              uuid PRIMARY KEY,
    caller          text NOT NULL,
    idempotency_key text NOT NULL,
    request_sha256  text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('topup', 'payment', 'refund', 'p2p', 'reversal', 'adjustment')),
    reference       text,
    metadata        jsonb NOT NULL DEFAULT '{}',
    currency        text NOT NULL,
    reverses        uuid REFERENCES transfer (id),
    hold_id         uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (caller, idempotency_key)
);
CREATE INDEX transfer_reverses ON transfer (reverses) WHERE reverses IS NOT NULL;

-- Legs and entries carry no foreign keys, deliberately: they are written only together with their transfer, in its
-- transaction, under the locks of the sub-accounts they name, and seven foreign-key lookups per transfer would cost
-- about a fifth of the ledger's throughput. The invariant check verifies every reference instead (see
-- LedgerInvariants: "entry-references").
CREATE TABLE transfer_leg (
    transfer_id  uuid NOT NULL,
    leg          integer NOT NULL,
    from_account uuid NOT NULL,
    to_account   uuid NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    -- How much of this leg later reversals have returned; never more than the leg.
    reversed     bigint NOT NULL DEFAULT 0 CHECK (reversed BETWEEN 0 AND amount),
    PRIMARY KEY (transfer_id, leg),
    CHECK (from_account <> to_account)
);

-- Entries are never updated or deleted: a correction is a new transfer (a reversal or an adjustment).
-- amount is signed (credit positive, debit negative); balance_after is the sub-account's balance after this entry.
CREATE TABLE entry (
    transfer_id   uuid NOT NULL,
    position      integer NOT NULL,
    -- Increases in the order entries are written; under the sub-account lock, so it orders each sub-account's entries.
    id            bigint GENERATED ALWAYS AS IDENTITY,
    leg           integer NOT NULL,
    account_id    uuid NOT NULL,
    shard         integer NOT NULL,
    amount        bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL,
    kind          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Keyed by transfer, so reading a transfer's entries needs no index of its own.
    PRIMARY KEY (transfer_id, position)
);
CREATE INDEX entry_account_history ON entry (account_id, id DESC);

-- A two-phase reservation on a wallet: captured (all or part) into a transfer, voided, or expired.
CREATE TABLE hold (
    id              uuid PRIMARY KEY,
    caller          text NOT NULL,
    idempotency_key text NOT NULL,
    request_sha256  text NOT NULL,
    account_id      uuid NOT NULL REFERENCES account (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    captured        bigint NOT NULL DEFAULT 0 CHECK (captured BETWEEN 0 AND amount),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'captured', 'voided', 'expired')),
    reference       text,
    transfer_id     uuid REFERENCES transfer (id),
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (caller, idempotency_key)
);
CREATE INDEX hold_due_to_expire ON hold (expires_at) WHERE status = 'active';

-- System accounts: money enters through funding clearing (top-ups), platform fees collect in fees, and suspense parks
-- what cannot be placed yet. They may go negative by design, and every top-up debits funding clearing, so they have
-- many sub-accounts too.
INSERT INTO account (id, kind, owner_id, currency, may_go_negative, sub_accounts)
SELECT gen_random_uuid(), 'system', code, 'JPY', true, 16
FROM unnest(ARRAY['funding-clearing', 'fees', 'suspense']) AS code;
INSERT INTO account_shard (account_id, shard, status, may_go_negative)
SELECT a.id, s, 'active', true FROM account a CROSS JOIN generate_series(0, 15) AS s WHERE a.kind = 'system';
