-- Customer-presented codes (issue 15): a device that passed step-up holds a payment key; the app derives one-time
-- codes from it offline (cpm-reference); a till submits a code and the payment is an ordinary payment row of kind
-- 'cpm'. docs/payments.md, "Customer-presented codes (CPM)".

CREATE TABLE payment_key (
    id               uuid PRIMARY KEY,
    customer_id      text NOT NULL,
    device_id        text NOT NULL,
    -- When a second factor bound the device (the token's device_bound_at at issuance): the risk engine's new-device
    -- rules read it for every offline payment, when no token is there to say.
    device_bound_at  timestamptz,
    -- The 8 digits in every code that say which key made it; random, never reused.
    device_reference integer NOT NULL UNIQUE CHECK (device_reference BETWEEN 0 AND 99999999),
    -- The 32-byte secret sealed with AES-256-GCM under kessai.payment.cpm.seal-key-file: nonce (12) || ciphertext
    -- || tag (16), the key's id as associated data (a sealed secret moved to another row does not open).
    sealed_secret    bytea NOT NULL,
    status           text NOT NULL CHECK (status IN ('active', 'revoked')),
    revoked_reason   text CHECK (revoked_reason IN ('user', 'ops', 'replaced', 'user-frozen', 'device-frozen')),
    revoked_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX payment_key_of_customer ON payment_key (customer_id, created_at DESC);
-- One live key per device of a customer: issuing another replaces it.
CREATE UNIQUE INDEX payment_key_one_per_device ON payment_key (customer_id, device_id) WHERE status = 'active';

ALTER TABLE payment DROP CONSTRAINT payment_kind_check;
ALTER TABLE payment ADD CONSTRAINT payment_kind_check CHECK (kind IN ('mpm_static', 'mpm_dynamic', 'cpm'));
-- A till's retry finds its payment by its own key (the customer is known only once the code is checked).
CREATE INDEX payment_cpm_by_key ON payment (merchant_id, idempotency_key) WHERE kind = 'cpm';
CREATE UNIQUE INDEX payment_cpm_merchant_payment_id ON payment (merchant_id, merchant_payment_id) WHERE kind = 'cpm';

-- Every code that made a payment: accepted at most once (the primary key makes a concurrent replay fail), and no code
-- ordered at or before the newest one of its key that paid or is being paid. Removed with a payment taken back
-- before it was sent (the code may then be shown again).
CREATE TABLE cpm_code_use (
    key_id     uuid NOT NULL REFERENCES payment_key (id),
    time_step  bigint NOT NULL,
    counter    smallint NOT NULL CHECK (counter BETWEEN 0 AND 99),
    payment_id uuid NOT NULL UNIQUE REFERENCES payment (id) ON DELETE CASCADE,
    used_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, time_step, counter)
);

-- Failed code attempts per till and per device reference in a fixed window, so that guessing is throttled across
-- replicas. scope: 'till' (subject: the till's id) or 'device' (subject: the 8-digit reference).
CREATE TABLE cpm_attempt_failure (
    scope        text NOT NULL CHECK (scope IN ('till', 'device')),
    subject      text NOT NULL,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL CHECK (failures > 0),
    PRIMARY KEY (scope, subject)
);
