-- Baseline of the wallet-service database. Tables arrive with the features that own them (one migration each).
COMMENT ON SCHEMA public IS 'Kessai wallet-service: owned by this service alone; no other service reads it.';
