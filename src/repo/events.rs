//! The account's security event log.

use sqlx::FromRow;

use crate::{client::ClientInfo, db::Pool, ids};

/// What happened; stored as its `as_str()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Registered,
    LoggedIn,
    LoginFailed,
    LoggedOut,
    PasswordChanged,
    PasswordChangeFailed,
    SessionRevoked,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Registered => "registered",
            EventKind::LoggedIn => "login",
            EventKind::LoginFailed => "failed login",
            EventKind::LoggedOut => "logout",
            EventKind::PasswordChanged => "password changed",
            EventKind::PasswordChangeFailed => "wrong current password",
            EventKind::SessionRevoked => "session revoked",
        }
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct Event {
    pub kind: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
}

pub async fn record(
    pool: &Pool,
    user_id: i64,
    kind: EventKind,
    client: &ClientInfo,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO security_events (id, user_id, kind, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ids::row_id())
    .bind(user_id)
    .bind(kind.as_str())
    .bind(&client.ip)
    .bind(&client.user_agent)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn recent(pool: &Pool, user_id: i64, limit: i64) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "SELECT kind, ip, user_agent, created_at FROM security_events
          WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
