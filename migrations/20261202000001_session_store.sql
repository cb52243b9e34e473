-- Session states kept on the server (SESSION_STORE=database): one row per
-- stored session. The cookie carries the key; the table keeps only a digest
-- of it (src/web/session/database.rs), so a copy of the table opens no
-- session. Expired rows are deleted by housekeeping (src/housekeeping.rs).
CREATE TABLE session_store (
    key_digest TEXT PRIMARY KEY,
    state      TEXT NOT NULL,          -- the session state as JSON
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_store_expires_idx ON session_store (expires_at);

-- What each guest session brought into an account at sign-in, so a guest
-- cart is merged once, whatever copies of its session there are (a copy
-- of the cookie taken before sign-in, a response that crossed the sign-in):
-- a second sign-in with the same guest state adds only what it holds
-- beyond this (src/cart.rs, merge_guest_cart). Keyed by a digest of the
-- guest session's id; rows older than the longest guest lifetime go.
CREATE TABLE guest_merges (
    guest_digest TEXT PRIMARY KEY,
    cart         TEXT NOT NULL,        -- [[product_id, quantity], ...] as JSON
    merged_at    BIGINT NOT NULL
);
CREATE INDEX guest_merges_merged_idx ON guest_merges (merged_at);
