-- Refunds keep wallet-service's reason when they fail, as payments do.
ALTER TABLE refund ADD COLUMN failure_detail text;
-- A till's listing of its store's payments, newest first.
CREATE INDEX payment_of_store ON payment (store_id, created_at DESC, id DESC);
