-- auth-service tells payment-service, through its outbox, when ops freeze or unfreeze a user or a device and when a
-- user unbinds a device (issue 15): frozen_subject is filled from those calls (and from ops freezing a card here), and
-- the keys of the user or device are revoked at once, not when one of their codes next arrives.
ALTER TABLE payment_key DROP CONSTRAINT payment_key_revoked_reason_check;
ALTER TABLE payment_key ADD CONSTRAINT payment_key_revoked_reason_check
    CHECK (revoked_reason IN ('user', 'ops', 'replaced', 'user-frozen', 'device-frozen', 'device-unbound'));
