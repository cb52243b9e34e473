//! Accounts.

use sqlx::FromRow;

use crate::{
    data::db::{Conn, Db},
    domain::prefs::Preferences,
};

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// Stored as JSON.
    #[sqlx(try_from = "String")]
    pub preferences: Preferences,
    pub created_at: i64,
    /// When the address was last proven to reach its owner (a mailed link
    /// was used); `None`: not yet.
    pub email_verified_at: Option<i64>,
}

/// The columns of `User`, for every query that reads one (`u` is `users`).
pub const COLUMNS: &str =
    "u.id, u.email, u.display_name, u.preferences, u.created_at, u.email_verified_at";

pub struct NewUser<'a> {
    pub id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub preferences: Preferences,
    pub created_at: i64,
}

/// Fails with a unique violation when the email is taken.
pub async fn insert(db: impl Db<'_>, user: &NewUser<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, preferences, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user.id)
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.preferences.to_json())
    .bind(user.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The id and password hash of the account with this email.
pub async fn credentials(db: impl Db<'_>, email: &str) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The account with this (normalised) email.
pub async fn by_email(db: impl Db<'_>, email: &str) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.email = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl Db<'_>, user_id: i64) -> sqlx::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Notes `email` as proven, if it is still the account's address; false
/// when it is not (changed meanwhile).
pub async fn mark_verified(
    db: impl Db<'_>,
    user_id: i64,
    email: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2")
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes `email`, just proven, the account's address. Fails with a unique
/// violation when another account has it.
pub async fn set_email(db: impl Db<'_>, user_id: i64, email: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_display_name(db: impl Db<'_>, user_id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_password_hash(db: impl Db<'_>, user_id: i64, hash: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Puts `chosen` over the account's preferences; a preference not chosen
/// keeps its value. A read and a write: run it under `data::db::Database::lock_user` in a
/// transaction, so that two changes at once do not lose one.
pub async fn choose_preferences(
    conn: &mut Conn,
    user_id: i64,
    chosen: Preferences,
) -> sqlx::Result<()> {
    let stored: String = sqlx::query_scalar("SELECT preferences FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let current = Preferences::try_from(stored).map_err(|e| sqlx::Error::Decode(e.into()))?;
    sqlx::query("UPDATE users SET preferences = $1 WHERE id = $2")
        .bind(current.merged(chosen).to_json())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the account. Logins, cart lines and events go with it
/// (ON DELETE CASCADE); orders stay, anonymised (ON DELETE SET NULL).
pub async fn delete(db: impl Db<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
