-- Merchant webhooks: the endpoints merchants register and every signed delivery to them.

CREATE TABLE webhook_endpoint (
    id          uuid PRIMARY KEY,
    merchant_id text NOT NULL,
    url         text NOT NULL,
    -- The signing secret must be readable to sign with; the database is this service's alone.
    secret      text NOT NULL,
    event_types text[] NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoint_by_merchant ON webhook_endpoint (merchant_id) WHERE active;

CREATE TABLE webhook_delivery (
    id              bigserial PRIMARY KEY,
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoint (id),
    event_id        text NOT NULL REFERENCES event (event_id),
    payload         text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    give_up_at      timestamptz NOT NULL,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
