-- Merchant owners (issue 14): people who run merchants and their tills. They register, sign in and prove their second
-- factor exactly as customers do, but have no wallet, and their session tokens carry role 'merchant' instead of
-- 'customer'. Every account made before this migration is a customer's.
ALTER TABLE app_user
    ADD COLUMN account_type text NOT NULL DEFAULT 'customer' CHECK (account_type IN ('customer', 'merchant'));
