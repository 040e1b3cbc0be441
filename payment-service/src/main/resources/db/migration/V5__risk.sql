-- The risk engine (issue 15): every money movement (MPM and CPM payments, top-ups, person-to-person; refunds never)
-- is judged before it is recorded, in the same transaction, and every decision is kept with its reasons and the
-- figures each rule used. An allowed decision is also what the velocity rules count; a step-up decision opens a
-- review that ops may approve or deny, and that expires when nobody does.
CREATE TABLE risk_decision (
    id                uuid PRIMARY KEY,
    movement_kind     text NOT NULL CHECK (movement_kind IN ('mpm_payment', 'cpm_payment', 'topup', 'p2p')),
    movement_id       uuid NOT NULL,
    customer_id       text NOT NULL,
    amount            bigint NOT NULL CHECK (amount > 0),
    merchant_id       uuid,
    recipient_id      text,
    device_id         text,
    funding_source_id uuid,
    offline           boolean NOT NULL DEFAULT false,
    outcome           text NOT NULL CHECK (outcome IN ('allow', 'step_up', 'deny')),
    -- [{"rule", "outcome", "code", "detail", "figures": {...}}], the rules that did not simply pass
    reasons           jsonb NOT NULL DEFAULT '[]',
    -- Only for step_up: open until the customer steps up, ops approve or deny it, or it expires.
    review            text CHECK (review IN ('open', 'stepped_up', 'approved', 'denied', 'expired', 'canceled')),
    review_expires_at timestamptz,
    reviewed_by       text,
    review_note       text,
    reviewed_at       timestamptz,
    -- When the movement happened as the totals count it, and which totals an allowed movement raised ('spend-day',
    -- 'spend-month', 'topup-day', 'offline-day'): what giving it back lowers.
    movement_at       timestamptz NOT NULL,
    counters          text[] NOT NULL DEFAULT '{}',
    -- An allowed movement that definitively did not happen (refused by the ledger, card declined): it counts no more.
    released          boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'step_up') = (review IS NOT NULL))
);
-- What the velocity and 7pay rules count: a customer's allowed movements of the last hours.
CREATE INDEX risk_decision_counted ON risk_decision (customer_id, created_at) WHERE outcome = 'allow' AND NOT released;
CREATE INDEX risk_decision_of_movement ON risk_decision (movement_id, created_at);
-- The ops review list, and the sweep that expires what nobody resolved.
CREATE INDEX risk_decision_open ON risk_decision (review_expires_at) WHERE review = 'open';
CREATE INDEX risk_decision_of_customer ON risk_decision (customer_id, created_at DESC, id DESC);

-- The engine's other running totals per customer, kept like customer_day_total (a conditional upsert in the
-- movement's own transaction) so its limits hold under concurrency: 'spend-month' (JST calendar month, period = its
-- first day), 'topup-day' and 'offline-day' (JST business day).
CREATE TABLE customer_period_total (
    customer_id text NOT NULL,
    counter     text NOT NULL CHECK (counter IN ('spend-month', 'topup-day', 'offline-day')),
    period      date NOT NULL,
    total       bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (customer_id, counter, period)
);

-- Users and devices auth-service froze (told through its outbox) and cards ops froze here: no money moves for them.
-- subject: a user id; a user id, '/', a device id; a funding source id.
CREATE TABLE frozen_subject (
    kind      text NOT NULL CHECK (kind IN ('user', 'device', 'card')),
    subject   text NOT NULL,
    reason    text NOT NULL,
    frozen_by text NOT NULL,
    frozen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, subject)
);

-- A payment the engine answered step-up is kept 'held': recorded, not posted, its order reserved, its amount not
-- counted. It goes on (pending) when the customer retries with a step-up token or ops approve it, and fails when ops
-- deny it or its review expires.
ALTER TABLE payment DROP CONSTRAINT payment_status_check;
ALTER TABLE payment ADD CONSTRAINT payment_status_check
    CHECK (status IN ('held', 'pending', 'completed', 'failed', 'canceled'));
ALTER TABLE payment ADD COLUMN risk_decision_id uuid;
-- When a hold ended (stepped up, approved): the refusal horizon of its first post counts from here, not from creation.
ALTER TABLE payment ADD COLUMN hold_ended_at timestamptz;
DROP INDEX payment_one_per_order;
CREATE UNIQUE INDEX payment_one_per_order ON payment (order_code_id)
    WHERE order_code_id IS NOT NULL AND status IN ('held', 'pending', 'completed');
