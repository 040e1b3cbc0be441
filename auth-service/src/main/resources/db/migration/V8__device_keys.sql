-- Devices prove possession (issue 12): a device is bound to a P-256 public key, not to the id the app names. A sign-in
-- from a bound device carries a DPoP proof (RFC 9449) signed by that key over a nonce this server issued; refresh
-- tokens are bound to the same key. Keys are kept by their RFC 7638 SHA-256 thumbprint, and the public JWK itself
-- (the payment key of a later issue binds to the same device). A device row without a key is known but not bound:
-- the password alone signs in from nowhere.
ALTER TABLE device
    ADD COLUMN key_thumbprint text,
    ADD COLUMN public_key     jsonb;

-- The key a sign-in started with; the second factor binds the device to it, and the completion must prove it again.
ALTER TABLE login_challenge ADD COLUMN key_thumbprint text;

-- The key the family's refresh tokens are bound to. Every family made after this migration has one: a sign-in
-- without a device key gets an access token and no refresh token.
ALTER TABLE refresh_family ADD COLUMN key_thumbprint text;

-- Proofs seen, by the SHA-256 of their jti, until their nonce can no longer be accepted: a proof is used once.
CREATE TABLE dpop_proof (
    jti_hash   text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX dpop_proof_expiry ON dpop_proof (expires_at);

-- Families made before this migration have no key: they are ended, their apps sign in again with a device key.
UPDATE refresh_family SET revoked_at = now(), revoked_reason = 'device-keys' WHERE revoked_at IS NULL;
