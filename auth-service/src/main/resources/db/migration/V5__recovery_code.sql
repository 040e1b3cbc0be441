-- Recovery codes: ten per user, shown once when generated, stored only as keyed hashes, each usable once. Generating
-- a new set deletes the old one.
CREATE TABLE recovery_code (
    user_id    uuid NOT NULL,
    code_hmac  text NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code_hmac)
);
