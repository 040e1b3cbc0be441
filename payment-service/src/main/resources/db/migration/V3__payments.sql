-- Payments (issue 14): merchants can be frozen, tills create order codes, customers pay them or a store's static
-- code, merchants refund. Every money movement is one wallet-service transfer keyed by the row's own id, so a retry,
-- the reconciler and a crash in between can never post it twice.

ALTER TABLE merchant DROP CONSTRAINT merchant_status_check;
ALTER TABLE merchant ADD CONSTRAINT merchant_status_check
    CHECK (status IN ('pending_review', 'active', 'rejected', 'frozen'));
-- Rises with every change auth-service must learn (approval, freeze, unfreeze, stores): it keeps the newest.
ALTER TABLE merchant ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE merchant ADD COLUMN frozen_reason text;
ALTER TABLE merchant ADD COLUMN frozen_at timestamptz;
-- The merchant's ledger account in wallet-service, learned on its first payment (an account id never changes).
ALTER TABLE merchant ADD COLUMN ledger_account_id uuid;

ALTER TABLE store ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed'));

-- Customers' wallet accounts in wallet-service, learned on their first payment.
CREATE TABLE customer_account (
    customer_id text PRIMARY KEY,
    account_id  uuid NOT NULL,
    learned_at  timestamptz NOT NULL DEFAULT now()
);

-- A dynamic (order) code, created by a till under the merchant's own merchantPaymentId. It is payable while
-- 'created', unexpired and not reserved by a payment in flight; 'expired' is not stored, it is read from expires_at.
CREATE TABLE order_code (
    id                  uuid PRIMARY KEY,
    merchant_id         uuid NOT NULL REFERENCES merchant (id),
    store_id            uuid NOT NULL REFERENCES store (id),
    terminal_id         text NOT NULL,
    created_by          text NOT NULL,
    merchant_payment_id text NOT NULL CHECK (merchant_payment_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    request_sha256      text NOT NULL,
    -- Tag 62, sub-tag 05 of the code: random, so a code cannot be guessed from another.
    reference           text NOT NULL UNIQUE,
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL DEFAULT 'JPY',
    description         text,
    status              text NOT NULL CHECK (status IN ('created', 'paid', 'deleted')),
    -- The payment in flight (pending) or done (paid) for this order; cleared when that payment fails.
    payment_id          uuid,
    expires_at          timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz,
    deleted_at          timestamptz,
    UNIQUE (merchant_id, merchant_payment_id)
);

CREATE TABLE payment (
    id                  uuid PRIMARY KEY,
    customer_id         text NOT NULL,
    idempotency_key     text NOT NULL,
    request_sha256      text NOT NULL,
    merchant_id         uuid NOT NULL REFERENCES merchant (id),
    store_id            uuid NOT NULL REFERENCES store (id),
    order_code_id       uuid REFERENCES order_code (id),
    merchant_payment_id text,
    terminal_id         text,
    kind                text NOT NULL CHECK (kind IN ('mpm_static', 'mpm_dynamic')),
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL,
    status              text NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'canceled')),
    failure_code        text,
    failure_detail      text,
    refunded            bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    customer_account_id uuid NOT NULL,
    merchant_account_id uuid NOT NULL,
    transfer_id         uuid,
    -- Cancel of a payment: 'due' until its transfer is known to be reversed or never posted, then 'done'.
    cancel_state        text CHECK (cancel_state IN ('due', 'done')),
    cancel_reason       text,
    -- The reconciler's schedule for a payment whose outcome is unknown (or whose cancel is due).
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    canceled_at         timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (customer_id, idempotency_key)
);
CREATE UNIQUE INDEX payment_one_per_order ON payment (order_code_id)
    WHERE order_code_id IS NOT NULL AND status IN ('pending', 'completed');
CREATE INDEX payment_unsettled ON payment (next_attempt_at) WHERE status = 'pending' OR cancel_state = 'due';
CREATE INDEX payment_of_merchant ON payment (merchant_id, created_at DESC, id DESC);
CREATE INDEX payment_of_customer ON payment (customer_id, created_at DESC, id DESC);
CREATE INDEX payment_by_merchant_payment_id ON payment (merchant_id, merchant_payment_id)
    WHERE merchant_payment_id IS NOT NULL;

-- What each customer spent per business day (JST), kept with the payments so the daily limit holds under
-- concurrency: a payment adds to it in the same transaction as it is recorded, a failed one takes it back.
CREATE TABLE customer_day_total (
    customer_id text NOT NULL,
    day         date NOT NULL,
    total       bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (customer_id, day)
);

CREATE TABLE refund (
    id                 uuid PRIMARY KEY,
    payment_id         uuid NOT NULL REFERENCES payment (id),
    merchant_id        uuid NOT NULL REFERENCES merchant (id),
    merchant_refund_id text NOT NULL CHECK (merchant_refund_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    request_sha256     text NOT NULL,
    amount             bigint NOT NULL CHECK (amount > 0),
    reason             text,
    requested_by       text NOT NULL,
    status             text NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
    failure_code       text,
    transfer_id        uuid,
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    last_error         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    UNIQUE (merchant_id, merchant_refund_id)
);
CREATE INDEX refund_pending ON refund (next_attempt_at) WHERE status = 'pending';
CREATE INDEX refund_of_payment ON refund (payment_id, created_at);
