-- Users, keyed by their verified phone number. A registration is 'pending' until its SMS code is confirmed; pending
-- registrations that are never confirmed are purged (see RegistrationPurge).
CREATE TABLE app_user (
    id            uuid PRIMARY KEY,
    phone_e164    text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending', 'active', 'frozen')),
    locale        text NOT NULL DEFAULT 'ja',
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz
);
CREATE INDEX app_user_pending ON app_user (created_at) WHERE status = 'pending';
