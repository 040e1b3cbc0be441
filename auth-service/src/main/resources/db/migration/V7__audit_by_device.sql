-- Ops search the audit log by device alone too (a stolen phone): without this index that search reads the whole log.
CREATE INDEX audit_event_by_device ON audit_event (device_id, id DESC);
