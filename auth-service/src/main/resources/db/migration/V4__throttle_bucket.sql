-- Token buckets shared by every replica (per client address, per account, ...): one row per key, refilled lazily
-- from the time of its last update. Idle rows are purged by TokenBuckets.
CREATE TABLE throttle_bucket (
    key        text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX throttle_bucket_idle ON throttle_bucket (updated_at);
