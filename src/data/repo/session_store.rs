//! The table `session_store`: session states kept in the shop's own
//! database (`SESSION_STORE=database`), one row per stored session, under
//! a digest of its key (the key itself is as good as a password, and only
//! the cookie carries it). [`web::session::database`] is the store built on
//! these statements; a change is a compare-and-set on the JSON read.
//!
//! [`web::session::database`]: crate::web::session::database

use crate::data::db::Db;

/// [`load`]'s statement.
pub(crate) const LOAD: &str =
    "SELECT state FROM session_store WHERE key_digest = $1 AND expires_at >= $2";

/// The stored state (JSON) of the session whose key has this digest, if
/// it is there and has not expired by `now` (it is good until its
/// `expires_at` second, included).
pub(crate) async fn load(db: impl Db<'_>, digest: &str, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(LOAD)
        .bind(digest)
        .bind(now)
        .fetch_optional(db)
        .await
}

/// [`insert`]'s statement.
pub(crate) const INSERT: &str =
    "INSERT INTO session_store (key_digest, state, expires_at) VALUES ($1, $2, $3)";

/// A new entry; fails with a unique violation if the digest is taken.
pub(crate) async fn insert(
    db: impl Db<'_>,
    digest: &str,
    state: &str,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(INSERT)
        .bind(digest)
        .bind(state)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// [`update_if`]'s statement: `$1` the digest, `$2` the state expected,
/// `$3` the new state, `$4` its expiry, `$5` now.
pub(crate) const UPDATE_IF: &str = "UPDATE session_store SET state = $3, expires_at = $4
          WHERE key_digest = $1 AND state = $2 AND expires_at >= $5";

/// Compare-and-set: the live entry gets `state` and a new expiry only if
/// it still holds `expected` (the JSON the request read); false otherwise
/// (another request changed it, or it is gone).
pub(crate) async fn update_if(
    db: impl Db<'_>,
    digest: &str,
    expected: &str,
    state: &str,
    expires_at: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(UPDATE_IF)
        .bind(digest)
        .bind(expected)
        .bind(state)
        .bind(expires_at)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`delete_if`]'s statement.
pub(crate) const DELETE_IF: &str = "DELETE FROM session_store WHERE key_digest = $1 AND state = $2";

/// Deletes the entry only if it still holds `expected`.
pub(crate) async fn delete_if(db: impl Db<'_>, digest: &str, expected: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(DELETE_IF)
        .bind(digest)
        .bind(expected)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`delete`]'s statement.
pub(crate) const DELETE: &str = "DELETE FROM session_store WHERE key_digest = $1";

pub(crate) async fn delete(db: impl Db<'_>, digest: &str) -> sqlx::Result<()> {
    sqlx::query(DELETE).bind(digest).execute(db).await?;
    Ok(())
}

/// [`expiry`]'s statement.
pub(crate) const EXPIRY: &str = "SELECT expires_at FROM session_store WHERE key_digest = $1";

/// When the entry expires, if there is one (the session inspector).
pub(crate) async fn expiry(db: impl Db<'_>, digest: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(EXPIRY)
        .bind(digest)
        .fetch_optional(db)
        .await
}

/// [`prune`]'s statement.
pub(crate) const PRUNE: &str = "DELETE FROM session_store WHERE expires_at < $1";

/// Deletes the entries that expired before `now`; returns how many.
pub(crate) async fn prune(db: impl Db<'_>, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE).bind(now).execute(db).await?;
    Ok(done.rows_affected())
}
