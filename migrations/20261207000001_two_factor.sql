-- A second factor (src/services/auth/two_factor.rs).

-- An account's TOTP secret, once a code from the app has proven it. The
-- secret is sealed (AES-256-GCM under a key derived from SESSION_SECRET,
-- src/domain/sealed.rs): a copy of this table gives no codes. `last_step`
-- is the last 30-second step a code was accepted for: a code works once,
-- and nothing older works after it.
CREATE TABLE two_factor (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    last_step  BIGINT NOT NULL,
    enabled_at BIGINT NOT NULL
);

-- Single-use recovery codes, kept as digests. A new set replaces the old
-- one; turning the second factor off deletes them.
CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, digest)
);
