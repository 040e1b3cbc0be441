-- Merchants and their stores (issue 14). A person with the merchant role applies; ops approve or reject. Only an
-- active merchant can be paid; approval opens its ledger account through the outbox, in the same transaction.
CREATE TABLE merchant (
    id                 uuid PRIMARY KEY,
    owner_id           text NOT NULL,
    -- The owner's key for this application: a retried application answers the first one.
    idempotency_key    text NOT NULL,
    request_sha256     text NOT NULL,
    legal_name         text NOT NULL,
    -- Printed in QR tag 59 and 60: at most 25 and 15 characters (checked by the service with the QR codec's rules).
    display_name       text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 25),
    city               text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 15),
    -- ISO 18245 merchant category code, QR tag 52.
    category_code      text NOT NULL CHECK (category_code ~ '^[0-9]{4}$'),
    status             text NOT NULL CHECK (status IN ('pending_review', 'active', 'rejected')),
    rejection_reason   text,
    reviewed_by        text,
    reviewed_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX merchant_owner ON merchant (owner_id, created_at);
CREATE INDEX merchant_review ON merchant (status, created_at) WHERE status = 'pending_review';

CREATE TABLE store (
    id          uuid PRIMARY KEY,
    merchant_id uuid NOT NULL REFERENCES merchant (id),
    position    integer NOT NULL,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, position)
);
