-- Typed events handed to notification-service, and the deliveries each one fans out into.

-- One row per caller-chosen event id: a retried hand-over finds it here and is accepted without a second delivery.
CREATE TABLE event (
    event_id    text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 100),
    type        text NOT NULL,
    body_sha256 text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Every message to send, with its retry state. The rendered text is kept until it is sent (a one-time code is in
-- it), then cleared; only channel, recipient and outcome stay for the record.
CREATE TABLE delivery (
    id              bigserial PRIMARY KEY,
    event_id        text NOT NULL REFERENCES event (event_id),
    channel         text NOT NULL CHECK (channel IN ('sms', 'email', 'push')),
    recipient       text NOT NULL,
    locale          text NOT NULL CHECK (locale IN ('ja', 'en')),
    subject         text,
    body            text,
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'dead', 'limited')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

-- The worker's queue: due pending deliveries, oldest first.
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE status = 'pending';
-- Per-recipient send limits count recent deliveries to one number or address.
CREATE INDEX delivery_recent_by_recipient ON delivery (channel, recipient, created_at);
CREATE INDEX delivery_by_event ON delivery (event_id);

-- Push deliveries become stream events: the real-time streams (SSE) read them, resume by id, and are woken by
-- NOTIFY kessai_stream so that a client on any replica sees an event within a second.
CREATE TABLE stream_event (
    id          bigserial PRIMARY KEY,
    audience    text NOT NULL,
    type        text NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stream_event_by_audience ON stream_event (audience, id);

-- Copies of what was delivered over SMS and email, for the dev inbox (only written where it is enabled).
CREATE TABLE dev_inbox (
    id           bigserial PRIMARY KEY,
    channel      text NOT NULL,
    recipient    text NOT NULL,
    subject      text,
    body         text NOT NULL,
    delivered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dev_inbox_by_recipient ON dev_inbox (recipient, id);
