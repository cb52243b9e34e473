//! An account's passkeys (`passkeys`): WebAuthn credentials by their id,
//! with webauthn-rs's record of each (its public key and counter) as JSON.

use sqlx::FromRow;

use crate::{data::db::Db, domain::ids::UserId};

/// A passkey as stored.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct Stored {
    pub(crate) credential_id: String,
    pub(crate) user_id: UserId,
    pub(crate) name: String,
    /// webauthn-rs's `Passkey`, as JSON.
    pub(crate) passkey: String,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
}

/// [`add`]'s statement.
pub(crate) const ADD: &str = "INSERT INTO passkeys
         (credential_id, user_id, name, passkey, created_at) VALUES ($1, $2, $3, $4, $5)";

/// Adds a passkey. A credential id stored already (the same passkey, added
/// twice) fails as a unique violation.
pub(crate) async fn add(
    db: impl Db<'_>,
    credential_id: &str,
    user_id: UserId,
    name: &str,
    passkey: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(ADD)
        .bind(credential_id)
        .bind(user_id)
        .bind(name)
        .bind(passkey)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`of_user`]'s statement.
pub(crate) const OF_USER: &str =
    "SELECT credential_id, user_id, name, passkey, created_at, last_used_at FROM passkeys
          WHERE user_id = $1 ORDER BY created_at, credential_id";

/// The account's passkeys, oldest first.
pub(crate) async fn of_user(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<Vec<Stored>> {
    sqlx::query_as(OF_USER).bind(user_id).fetch_all(db).await
}

/// [`find`]'s statement.
pub(crate) const FIND: &str =
    "SELECT credential_id, user_id, name, passkey, created_at, last_used_at FROM passkeys
          WHERE credential_id = $1";

/// The passkey with this credential id, whoever's it is.
pub(crate) async fn find(db: impl Db<'_>, credential_id: &str) -> sqlx::Result<Option<Stored>> {
    sqlx::query_as(FIND)
        .bind(credential_id)
        .fetch_optional(db)
        .await
}

/// [`used`]'s statement: `$1` the credential, `$2` the record, `$3` now.
pub(crate) const USED: &str =
    "UPDATE passkeys SET passkey = $2, last_used_at = $3 WHERE credential_id = $1";

/// Notes a sign-in with the passkey, and its record as it is after it (its
/// counter moves on).
pub(crate) async fn used(
    db: impl Db<'_>,
    credential_id: &str,
    passkey: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(USED)
        .bind(credential_id)
        .bind(passkey)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`remove`]'s statement.
pub(crate) const REMOVE: &str = "DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2";

/// Removes one of the account's passkeys: false when it has none by that id.
pub(crate) async fn remove(
    db: impl Db<'_>,
    user_id: UserId,
    credential_id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(REMOVE)
        .bind(user_id)
        .bind(credential_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`spend_challenge`]'s statement: `$1` the digest, `$2` until when it
/// is kept.
pub(crate) const SPEND_CHALLENGE: &str =
    "INSERT INTO spent_challenges (digest, expires_at) VALUES ($1, $2)
         ON CONFLICT (digest) DO NOTHING";

/// Notes a ceremony's challenge as answered: true for the one request that
/// answers it first, false for any other.
pub(crate) async fn spend_challenge(
    db: impl Db<'_>,
    digest: &str,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(SPEND_CHALLENGE)
        .bind(digest)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`prune_challenges`]'s statement.
pub(crate) const PRUNE_CHALLENGES: &str = "DELETE FROM spent_challenges WHERE expires_at < $1";

/// Forgets the challenges that expired before `before` (housekeeping).
pub(crate) async fn prune_challenges(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE_CHALLENGES)
        .bind(before)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
