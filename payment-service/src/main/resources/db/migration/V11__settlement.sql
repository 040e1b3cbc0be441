-- Merchant settlement (issue 15): daily statements and payouts.

-- When a cancel's reversal was posted (or the payment's transfer was found never posted): a cancel is on the
-- statement of the day its money went back. Cancels settled before this migration are dated by their last update.
ALTER TABLE payment ADD COLUMN cancel_settled_at timestamptz;
UPDATE payment SET cancel_settled_at = updated_at WHERE cancel_state = 'done';
CREATE INDEX payment_completed_of_merchant ON payment (merchant_id, completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX payment_canceled_of_merchant ON payment (merchant_id, cancel_settled_at)
    WHERE cancel_settled_at IS NOT NULL;
CREATE INDEX refund_completed_of_merchant ON refund (merchant_id, completed_at) WHERE status = 'completed';

-- Where a merchant is paid: one bank account per merchant, registered (and changed) by its owner. Zengin format:
-- a 4-digit bank code, a 3-digit branch code, ordinary or current, a 7-digit number and the holder's name in kana.
CREATE TABLE merchant_bank_account (
    merchant_id    uuid PRIMARY KEY REFERENCES merchant (id),
    bank_code      text NOT NULL CHECK (bank_code ~ '^[0-9]{4}$'),
    branch_code    text NOT NULL CHECK (branch_code ~ '^[0-9]{3}$'),
    account_type   text NOT NULL CHECK (account_type IN ('ordinary', 'current')),
    account_number text NOT NULL CHECK (account_number ~ '^[0-9]{7}$'),
    holder_name    text NOT NULL,
    registered_by  text NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One payout per merchant and business day, whatever retries and replicas do. Its figures are the day's statement
-- when it was created; its bank account is the one registered then. Steps, each under an idempotency key of its
-- own: the fee transfer (merchant -> fees), the payout transfer (merchant -> payout-clearing), the gateway's bank
-- transfer, and for a failed one the reversal of the payout transfer (money back in the merchant's account).
CREATE TABLE payout (
    id                  uuid PRIMARY KEY,
    merchant_id         uuid NOT NULL REFERENCES merchant (id),
    business_date       date NOT NULL,
    currency            text NOT NULL,
    gross               bigint NOT NULL,
    refunds             bigint NOT NULL,
    cancels             bigint NOT NULL,
    fee                 bigint NOT NULL CHECK (fee >= 0),
    amount              bigint NOT NULL,
    merchant_account_id uuid NOT NULL,
    bank_code           text NOT NULL,
    branch_code         text NOT NULL,
    account_type        text NOT NULL,
    account_number      text NOT NULL,
    holder_name         text NOT NULL,
    -- pending while a step is left; paid; failed (the payout transfer, if posted, was reversed); skipped (nothing
    -- to pay: no sales, or refunds and cancels above them; nothing moved).
    status              text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'skipped')),
    fee_transfer_id     uuid,
    payout_transfer_id  uuid,
    -- The gateway was asked and its answer is not known yet (a timeout): ask it before sending again.
    sent                boolean NOT NULL DEFAULT false,
    -- The gateway refused: the payout transfer is being reversed.
    giving_back         boolean NOT NULL DEFAULT false,
    return_transfer_id  uuid,
    gateway_reference   text,
    failure_code        text,
    failure_detail      text,
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    settled_at          timestamptz,
    UNIQUE (merchant_id, business_date)
);
CREATE INDEX payout_due ON payout (next_attempt_at) WHERE status = 'pending';
CREATE INDEX payout_of_merchant ON payout (merchant_id, business_date DESC);
