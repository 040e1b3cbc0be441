-- The outbox of a service that hands events to notification-service (shared by every caller, from kessai-outbox).
-- Rows are written in the same transaction as the business change and deleted once notification-service has them.
CREATE TABLE IF NOT EXISTS kessai_outbox (
    event_id        text PRIMARY KEY,
    body            jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    dead            boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS kessai_outbox_due ON kessai_outbox (next_attempt_at) WHERE NOT dead;
