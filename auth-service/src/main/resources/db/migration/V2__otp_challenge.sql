-- One-time codes sent by SMS (registration, login from a new device, password reset, step-up). Only a keyed hash of
-- the code is stored; a challenge ends when used, when it expires, or after its allowed wrong attempts.
CREATE TABLE otp_challenge (
    id          uuid PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('register', 'login', 'reset', 'step-up', 'factor-change')),
    subject     text NOT NULL,
    phone_e164  text NOT NULL,
    code_hmac   text NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX otp_challenge_by_phone ON otp_challenge (phone_e164, created_at DESC);
