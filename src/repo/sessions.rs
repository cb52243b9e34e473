//! Server-side records of logged-in sessions: what makes a cookie revocable.

use sqlx::FromRow;

use crate::{db::Pool, repo::users::User};

pub struct NewSession<'a> {
    pub id: &'a str,
    pub handle: &'a str,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub remember_me: bool,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn insert(pool: &Pool, s: &NewSession<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions
           (id, handle, user_id, created_at, last_seen_at, expires_at, remember_me, user_agent, ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(s.id)
    .bind(s.handle)
    .bind(s.user_id)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(i64::from(s.remember_me))
    .bind(s.user_agent)
    .bind(s.ip)
    .execute(pool)
    .await?;
    Ok(())
}

/// A session row with its user and the user's cart count: all a page needs
/// about the visitor, in one query.
#[derive(Clone, Debug, FromRow)]
pub struct SessionWithUser {
    #[sqlx(flatten)]
    pub user: User,
    pub session_created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub remember_me: i64,
    pub revoked_at: Option<i64>,
    pub cart_count: i64,
}

pub async fn with_user(
    pool: &Pool,
    id: &str,
    user_id: i64,
) -> sqlx::Result<Option<SessionWithUser>> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.theme, u.page_size, u.created_at,
                s.created_at AS session_created_at, s.last_seen_at, s.expires_at,
                s.remember_me, s.revoked_at,
                (SELECT CAST(COALESCE(SUM(c.quantity), 0) AS BIGINT)
                   FROM cart_items c WHERE c.user_id = u.id) AS cart_count
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// Deletes rows of sessions that ended (expired or revoked) before
/// `before`: they can no longer be shown or used.
pub async fn prune(pool: &Pool, before: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM sessions
          WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)",
    )
    .bind(before)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn touch(pool: &Pool, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn revoke(pool: &Pool, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Revokes one of the user's sessions by its public handle; false when the
/// handle is not one of this user's live sessions.
pub async fn revoke_by_handle(
    pool: &Pool,
    user_id: i64,
    handle: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1
          WHERE handle = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(handle)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every session of the user except `keep_id`; returns how many.
pub async fn revoke_others(
    pool: &Pool,
    user_id: i64,
    keep_id: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1
          WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Clone, Debug, FromRow)]
pub struct SessionListing {
    pub id: String,
    pub handle: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
    pub ip: String,
}

/// The user's sessions that are neither revoked nor past a timeout.
pub async fn live_for_user(
    pool: &Pool,
    user_id: i64,
    now: i64,
    idle_timeout: i64,
) -> sqlx::Result<Vec<SessionListing>> {
    sqlx::query_as(
        "SELECT id, handle, created_at, last_seen_at, expires_at, user_agent, ip
           FROM sessions
          WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at >= $3
          ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - idle_timeout)
    .fetch_all(pool)
    .await
}
