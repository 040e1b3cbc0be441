-- Merchant settlement (issue 15): a merchant's fee goes to the fees account (kind 'fee'), its settled balance to
-- payout clearing (kind 'payout'), where it waits while the bank transfer is under way; a failed payout is reversed
-- back to the merchant. Payout clearing is a system account like the others: it may go negative by design.
ALTER TABLE transfer DROP CONSTRAINT transfer_kind_check;
ALTER TABLE transfer ADD CONSTRAINT transfer_kind_check
    CHECK (kind IN ('topup', 'payment', 'refund', 'p2p', 'fee', 'payout', 'reversal', 'adjustment'));

INSERT INTO account (id, kind, owner_id, currency, may_go_negative, sub_accounts)
VALUES (gen_random_uuid(), 'system', 'payout-clearing', 'JPY', true, 16);
INSERT INTO account_shard (account_id, shard, status, may_go_negative)
SELECT a.id, s, 'active', true FROM account a CROSS JOIN generate_series(0, 15) AS s
WHERE a.kind = 'system' AND a.owner_id = 'payout-clearing';
