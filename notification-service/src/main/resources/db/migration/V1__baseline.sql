-- Baseline of the notification-service database. Tables arrive with the features that own them (one migration each).
COMMENT ON SCHEMA public IS 'Kessai notification-service: owned by this service alone; no other service reads it.';
