-- The outbox of a service (shared by every caller, from kessai-outbox): events for notification-service, and idempotent
-- calls to other services (e.g. auth-service opening a wallet). Rows are written in the same transaction as the
-- business change and deleted once the destination has accepted them.
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
-- Where a row goes: a destination named in kessai.outbox.destinations (notification by default) and a path there.
ALTER TABLE kessai_outbox ADD COLUMN IF NOT EXISTS destination text NOT NULL DEFAULT 'notification';
ALTER TABLE kessai_outbox ADD COLUMN IF NOT EXISTS path text NOT NULL DEFAULT '/v1/internal/events';
