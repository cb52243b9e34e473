-- Passkey challenges already answered (src/services/auth/passkeys.rs): a
-- digest of each, kept until the challenge would have expired anyway. The
-- answer to a ceremony inserts its challenge here in the transaction of
-- what it does; a second answer to the same challenge (a replayed request,
-- an old copy of a cookie that still carries the ceremony, two requests at
-- once) finds it and is refused, on every session store.
CREATE TABLE spent_challenges (
    digest     TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
