-- "Don't ask again on this browser" (src/services/auth/two_factor.rs): a
-- browser that completed a sign-in's second step may skip it for 30 days.
-- The browser holds a random token in a signed cookie of its own; only its
-- digest is kept here. Every change of the account's credentials (a
-- password change or reset, two-step sign-in turned off, "sign out
-- everywhere") deletes the account's rows, and with them every remembered
-- browser.
CREATE TABLE remembered_browsers (
    digest     TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL,
    ip         TEXT NOT NULL
);
CREATE INDEX remembered_browsers_user_idx ON remembered_browsers (user_id);
