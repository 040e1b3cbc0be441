-- Top-ups through a funding gateway (issue 15 part 2). A customer registers a card (the gateway tokenizes it: no card
-- number or CVC is ever stored here, only the gateway's token, brand, last four digits and expiry), and a top-up
-- charges it and credits the wallet from funding clearing with one wallet-service 'topup' transfer keyed by the
-- top-up's id. States: 'held' while the risk engine waits for a step-up (nothing charged), 'challenge' while the
-- gateway waits for the customer's step-up (3-D Secure-like), 'charging' while the gateway's answer is not known (the
-- reconciler asks the gateway by our reference, the top-up's id), 'crediting' once charged until the ledger has
-- answered (the reconciler re-posts under the same key), then 'completed' or 'failed'.
CREATE TABLE funding_card (
    id            uuid PRIMARY KEY,
    customer_id   text NOT NULL,
    gateway_token text NOT NULL UNIQUE,
    brand         text NOT NULL,
    last4         text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month     integer NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year      integer NOT NULL CHECK (exp_year BETWEEN 2000 AND 2100),
    status        text NOT NULL CHECK (status IN ('active', 'removed')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    removed_at    timestamptz
);
CREATE INDEX funding_card_of_customer ON funding_card (customer_id, created_at DESC) WHERE status = 'active';

CREATE TABLE topup (
    id                 uuid PRIMARY KEY,
    customer_id        text NOT NULL,
    idempotency_key    text NOT NULL,
    request_sha256     text NOT NULL,
    card_id            uuid NOT NULL REFERENCES funding_card (id),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL DEFAULT 'JPY' CHECK (currency = 'JPY'),
    status             text NOT NULL CHECK (status IN ('held', 'challenge', 'charging', 'crediting', 'completed',
                                                       'failed')),
    -- Whether a charge under this top-up's reference may have reached the gateway: the reconciler then asks the
    -- gateway what became of it rather than charging again.
    charge_sent        boolean NOT NULL DEFAULT false,
    gateway_charge_id  text,
    account_id         uuid NOT NULL,
    clearing_account_id uuid NOT NULL,
    risk_decision_id   uuid,
    transfer_id        uuid,
    failure_code       text,
    failure_detail     text,
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    last_error         text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    UNIQUE (customer_id, idempotency_key),
    CHECK ((status = 'completed') = (transfer_id IS NOT NULL)),
    CHECK ((status = 'failed') = (failure_code IS NOT NULL))
);
CREATE INDEX topup_due ON topup (next_attempt_at) WHERE status IN ('charging', 'crediting');

-- The sandbox gateway's own side (docs/payments.md, "Top-ups and the sandbox cards"): what a card acquirer's sandbox
-- keeps at the provider, here in this database so that it survives restarts and every replica sees it. It keeps the
-- behaviour a test card number stands for, never the number. Not used with a real gateway.
CREATE TABLE sandbox_card (
    token      text PRIMARY KEY,
    behaviour  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sandbox_charge (
    reference  text PRIMARY KEY,
    token      text NOT NULL REFERENCES sandbox_card (token),
    amount     bigint NOT NULL,
    status     text NOT NULL CHECK (status IN ('approved', 'declined', 'challenge', 'pending')),
    decline    text,
    queries    integer NOT NULL DEFAULT 0,
    charge_id  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
