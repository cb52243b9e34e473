-- Mail and the links it carries (src/mail/, src/auth/recovery.rs).

-- The outbox: every mail the shop sends, written in the same transaction as
-- the change that causes it, sent later by a worker (src/mail/worker.rs).
-- A worker claims a mail by moving `claimed_until` into the future in one
-- statement, so two instances never take the same one; a failed attempt
-- sets `due_at` later (backoff). Once sent, the bodies are erased: they
-- hold live links (until then, the one place a link is kept in clear; the
-- links themselves are kept only as digests, below).
-- Without SMTP_URL (development) mails stay here, shown at /dev/mail.
CREATE TABLE outbox (
    id            BIGINT PRIMARY KEY,
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    text_body     TEXT NOT NULL,
    html_body     TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT,
    sent_at       BIGINT,
    failed_at     BIGINT,          -- refused for good (a 5xx answer)
    last_error    TEXT
);
CREATE INDEX outbox_due_idx ON outbox (due_at);
CREATE INDEX outbox_created_idx ON outbox (created_at);

-- Single-use links sent by mail: a password reset, an address to verify.
-- Only a digest of the token is kept; the token itself is in the mail.
CREATE TABLE account_tokens (
    digest     TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,      -- 'reset_password', 'verify_email', 'change_email'
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,      -- the address the link was sent to
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    retired_at BIGINT              -- made void by a newer link or a change
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at);

-- When the account's address was last proven to reach its owner; NULL:
-- not yet.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
