-- Which merchants an owner holds (issue 14). payment-service owns merchants and stores; it tells auth-service each
-- merchant's owner, state and stores through its ordered outbox, on approval and on every change, with a version that
-- grows per merchant. auth-service keeps the newest version it was told and grants till credentials from it, never
-- from what a request says.
CREATE TABLE merchant_holding (
    merchant_id uuid PRIMARY KEY,
    -- The owner's user id as payment-service verified it from the owner's token; not a foreign key, since
    -- payment-service is the authority on who owns a merchant.
    owner_id    uuid NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending_review', 'active', 'rejected', 'frozen')),
    version     bigint NOT NULL CHECK (version >= 1),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merchant_holding_by_owner ON merchant_holding (owner_id);

-- The merchant's stores as of its version: replaced whole by every newer version.
CREATE TABLE merchant_holding_store (
    merchant_id uuid NOT NULL REFERENCES merchant_holding (merchant_id) ON DELETE CASCADE,
    store_id    uuid NOT NULL,
    position    integer NOT NULL,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    status      text NOT NULL CHECK (status IN ('active', 'closed')),
    PRIMARY KEY (merchant_id, store_id)
);
