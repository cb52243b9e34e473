-- Passkeys (src/services/auth/passkeys.rs): WebAuthn credentials, each a
-- public key the account's owner added from the security page. Nothing here
-- is secret: the private key never leaves the authenticator. `passkey` is
-- webauthn-rs's record of the credential (its public key, its signature
-- counter) as JSON, updated at every sign-in.
CREATE TABLE passkeys (
    credential_id TEXT PRIMARY KEY,   -- base64url, as the browser sends it
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    passkey       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);
