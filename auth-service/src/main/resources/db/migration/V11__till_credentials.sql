-- Till credentials (issue 14): client-credentials clients that a merchant owner makes for the tills of a store. Each
-- is granted from what payment-service told auth-service the owner holds (merchant_holding), never from the request,
-- and its tokens carry the merchant, store and terminal (io.kessai.common.security.TillClaims). The client id is
-- 'till-' followed by the id.
CREATE TABLE till_credential (
    id                uuid PRIMARY KEY,
    merchant_id       uuid NOT NULL REFERENCES merchant_holding (merchant_id),
    -- Not a foreign key: a merchant's stores are replaced whole by every newer description, and a till whose store is
    -- no longer held (or is closed) is refused tokens rather than deleted.
    store_id          uuid NOT NULL,
    terminal_id       text NOT NULL CHECK (terminal_id ~ '^[A-Za-z0-9_-]{1,25}$'),
    label             text CHECK (char_length(label) BETWEEN 1 AND 100),
    -- SHA-256 of the secret: the secret is 256 random bits, so the digest can be neither reversed nor looked up, and
    -- a slow hash would only make every till token cost the CPU a password costs (docs/security.md, "Tills").
    secret_sha256     bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
    -- The owner who made it, as the audit log names them.
    created_by        uuid NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at timestamptz,
    revoked_at        timestamptz
);

-- One working credential per terminal of a store: a second one for the same terminal is refused (till-exists).
CREATE UNIQUE INDEX till_credential_terminal ON till_credential (merchant_id, store_id, terminal_id)
    WHERE revoked_at IS NULL;
-- The owner's list, a page at a time in id (creation) order.
CREATE INDEX till_credential_by_merchant ON till_credential (merchant_id, id) WHERE revoked_at IS NULL;
