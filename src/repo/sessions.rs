//! Server-side records of logged-in sessions: what makes a cookie revocable.
//! The secret `id` is the one the cookie carries; `handle` is the public
//! name pages and URLs use.

use sqlx::{any::AnyRow, AssertSqlSafe, FromRow, Row};

use crate::{
    db::{flag, Db},
    ids::SessionId,
    repo::users::{self, User},
};

pub struct NewSession<'a> {
    pub id: &'a SessionId,
    pub handle: &'a str,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub remember_me: bool,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn insert(db: impl Db<'_>, s: &NewSession<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions
           (id, handle, user_id, created_at, last_seen_at, expires_at, remember_me, user_agent, ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(s.id.expose())
    .bind(s.handle)
    .bind(s.user_id)
    .bind(s.created_at)
    .bind(s.expires_at)
    .bind(i64::from(s.remember_me))
    .bind(s.user_agent)
    .bind(s.ip)
    .execute(db)
    .await?;
    Ok(())
}

/// A session row with its user and the user's cart count: all a page needs
/// about a logged-in visitor, in one query.
#[derive(Clone, Debug)]
pub struct SessionWithUser {
    pub user: User,
    pub handle: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub remember_me: bool,
    pub revoked: bool,
    pub cart_count: i64,
}

impl FromRow<'_, AnyRow> for SessionWithUser {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(SessionWithUser {
            user: User::from_row(row)?,
            handle: row.try_get("handle")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
            remember_me: flag(row, "remember_me")?,
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            cart_count: row.try_get("cart_count")?,
        })
    }
}

pub async fn with_user(
    db: impl Db<'_>,
    id: &SessionId,
    user_id: i64,
) -> sqlx::Result<Option<SessionWithUser>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {}, s.handle, s.last_seen_at, s.expires_at, s.remember_me, s.revoked_at,
                (SELECT CAST(COALESCE(SUM(c.quantity), 0) AS BIGINT)
                   FROM cart_items c WHERE c.user_id = u.id) AS cart_count
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2",
        users::COLUMNS
    )))
    .bind(id.expose())
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Deletes rows of sessions that ended before `before`: expired, revoked,
/// or (without "keep me signed in") idle for `idle_timeout`. They can no
/// longer be shown or used. Returns how many.
pub async fn prune(db: impl Db<'_>, before: i64, idle_timeout: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM sessions
          WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)
             OR (remember_me = 0 AND last_seen_at < $2)",
    )
    .bind(before)
    .bind(before - idle_timeout)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn touch(db: impl Db<'_>, id: &SessionId, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.expose())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn revoke(db: impl Db<'_>, id: &SessionId, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id.expose())
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes one of the user's sessions by its public handle; false when the
/// handle is not one of this user's live sessions.
pub async fn revoke_by_handle(
    db: impl Db<'_>,
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
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live session of the user except `keep`; returns how many.
pub async fn revoke_others(
    db: impl Db<'_>,
    user_id: i64,
    keep: &SessionId,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1
          WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep.expose())
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// A live session as the sessions page lists it: no secret id, only the
/// public handle.
#[derive(Clone, Debug, FromRow)]
pub struct SessionListing {
    pub handle: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
    pub ip: String,
}

/// The user's sessions that are neither revoked nor past a timeout.
pub async fn live_for_user(
    db: impl Db<'_>,
    user_id: i64,
    now: i64,
    idle_timeout: i64,
) -> sqlx::Result<Vec<SessionListing>> {
    sqlx::query_as(
        "SELECT handle, created_at, last_seen_at, expires_at, user_agent, ip
           FROM sessions
          WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
            AND (remember_me = 1 OR last_seen_at >= $3)
          ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - idle_timeout)
    .fetch_all(db)
    .await
}

/// How many logins are live: not revoked, not past a timeout.
pub async fn count_live(db: impl Db<'_>, now: i64, idle_timeout: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions
          WHERE revoked_at IS NULL AND expires_at > $1
            AND (remember_me = 1 OR last_seen_at >= $2)",
    )
    .bind(now)
    .bind(now - idle_timeout)
    .fetch_one(db)
    .await
}
