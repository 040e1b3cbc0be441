-- Baseline of the auth-service database. Tables arrive with the features that own them (one migration each).
COMMENT ON SCHEMA public IS 'Kessai auth-service: owned by this service alone; no other service reads it.';
