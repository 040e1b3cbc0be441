-- Person-to-person transfers (issue 15): one customer's wallet to another's, the recipient found by phone number
-- through auth-service. A transfer is one wallet-service 'p2p' transfer keyed by the row's id, with the same states
-- as a payment: 'held' while the risk engine waits for a step-up (nothing posted), 'pending' until the ledger has
-- answered (the reconciler re-posts it under the same key), then 'completed' or 'failed'.
CREATE TABLE p2p_transfer (
    id                   uuid PRIMARY KEY,
    sender_id            text NOT NULL,
    idempotency_key      text NOT NULL,
    request_sha256       text NOT NULL,
    recipient_id         text NOT NULL CHECK (recipient_id <> sender_id),
    -- What each party is shown of the other, as auth-service gave it (masked numbers), never the other's user id.
    recipient_name       text NOT NULL,
    sender_name          text NOT NULL,
    amount               bigint NOT NULL CHECK (amount > 0),
    currency             text NOT NULL DEFAULT 'JPY' CHECK (currency = 'JPY'),
    message              text CHECK (char_length(message) <= 100),
    status               text NOT NULL CHECK (status IN ('held', 'pending', 'completed', 'failed')),
    sender_account_id    uuid NOT NULL,
    recipient_account_id uuid NOT NULL CHECK (recipient_account_id <> sender_account_id),
    risk_decision_id     uuid,
    transfer_id          uuid,
    failure_code         text,
    failure_detail       text,
    attempts             integer NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz,
    last_error           text,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    completed_at         timestamptz,
    UNIQUE (sender_id, idempotency_key),
    CHECK ((status = 'completed') = (transfer_id IS NOT NULL)),
    CHECK ((status = 'failed') = (failure_code IS NOT NULL))
);
-- The sender's listing, and the recipient's (a recipient sees only what arrived).
CREATE INDEX p2p_transfer_of_sender ON p2p_transfer (sender_id, created_at DESC, id DESC);
CREATE INDEX p2p_transfer_of_recipient ON p2p_transfer (recipient_id, created_at DESC, id DESC)
    WHERE status = 'completed';
-- The reconciler's queue.
CREATE INDEX p2p_transfer_due ON p2p_transfer (next_attempt_at) WHERE status = 'pending';

-- The distinct numbers each sender looked up lately (a digest, never the number): a sender may look up only so many
-- in a window, so P2P cannot be used to find out which numbers belong to customers.
CREATE TABLE p2p_lookup (
    sender_id    text NOT NULL,
    phone_digest text NOT NULL,
    looked_up_at timestamptz NOT NULL,
    PRIMARY KEY (sender_id, phone_digest)
);
CREATE INDEX p2p_lookup_age ON p2p_lookup (looked_up_at);
