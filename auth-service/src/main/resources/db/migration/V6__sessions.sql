-- Login, devices, second factors, refresh tokens and the security audit log (issue 5).

-- Email is optional and counts as a channel (resets, alerts) only once verified.
ALTER TABLE app_user
    ADD COLUMN email             text,
    ADD COLUMN email_verified_at timestamptz,
    ADD COLUMN frozen_at         timestamptz,
    ADD COLUMN frozen_reason     text;

-- Codes can go to a phone (SMS) or to an email address: the column names the destination, whichever it is.
ALTER TABLE otp_challenge RENAME COLUMN phone_e164 TO destination;
ALTER TABLE otp_challenge DROP CONSTRAINT otp_challenge_purpose_check;
ALTER TABLE otp_challenge ADD CONSTRAINT otp_challenge_purpose_check
    CHECK (purpose IN ('register', 'login', 'reset', 'step-up', 'factor-change', 'email-verify'));
ALTER INDEX otp_challenge_by_phone RENAME TO otp_challenge_by_destination;

-- Consecutive login failures per phone number, whether or not the number has an account: an unknown number locks
-- exactly like a known one, so a lockout answer tells nothing about who is registered. A success deletes the row.
CREATE TABLE login_lockout (
    phone_e164    text PRIMARY KEY,
    failures      integer NOT NULL CHECK (failures BETWEEN 0 AND 100),
    locked_until  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Devices a user has signed in from. A binding lets the password alone sign in from that device until it expires;
-- 'frozen' (by ops) stops login and refresh from the device at once.
CREATE TABLE device (
    user_id      uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    device_id    text NOT NULL,
    name         text NOT NULL,
    status       text NOT NULL CHECK (status IN ('active', 'frozen')),
    bound_at     timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    frozen_reason text,
    PRIMARY KEY (user_id, device_id)
);

-- A password that was right on a device that is not bound: the login waits here for its second factor.
CREATE TABLE login_challenge (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    device_id     text NOT NULL,
    device_name   text NOT NULL,
    sms_challenge uuid,
    attempts      integer NOT NULL DEFAULT 0,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_challenge_expiry ON login_challenge (expires_at);

-- Authenticator-app (TOTP) secrets: 'pending' until a first code confirms the enrollment. last_step is the time step
-- of the last accepted code; a code of that step or an earlier one is never accepted again.
CREATE TABLE totp_factor (
    user_id      uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
    secret       bytea NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'active')),
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz
);

-- Refresh tokens: one family per sign-in on a device; every use rotates the token within its family. Only a SHA-256
-- of a token is stored. Presenting a rotated token again means it was copied: the whole family is revoked.
CREATE TABLE refresh_family (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    device_id      text NOT NULL,
    amr            text[] NOT NULL,
    auth_time      timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX refresh_family_by_user ON refresh_family (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_token (
    token_hash text PRIMARY KEY,
    family_id  uuid NOT NULL REFERENCES refresh_family (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz
);
CREATE INDEX refresh_token_by_family ON refresh_token (family_id);

-- The security audit log: who, when, from which device and address, what, and how it ended. Append-only.
CREATE TABLE audit_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    type       text NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
    user_id    uuid,
    phone_e164 text,
    device_id  text,
    address    text,
    actor      text,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_event_by_user ON audit_event (user_id, id DESC);
CREATE INDEX audit_event_by_phone ON audit_event (phone_e164, id DESC);
CREATE INDEX audit_event_by_address ON audit_event (address, id DESC);
CREATE INDEX audit_event_by_type ON audit_event (type, id DESC);
