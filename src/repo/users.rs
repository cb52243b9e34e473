//! Accounts.

use sqlx::FromRow;

use crate::{db::Pool, session::Preferences};

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub theme: String,
    pub page_size: i64,
    pub created_at: i64,
}

impl User {
    pub fn preferences(&self) -> Preferences {
        Preferences {
            theme: self.theme.clone(),
            page_size: self.page_size,
        }
    }
}

pub struct NewUser<'a> {
    pub id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub preferences: &'a Preferences,
    pub created_at: i64,
}

/// Fails with a unique violation when the email is taken.
pub async fn insert(pool: &Pool, user: &NewUser<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, theme, page_size, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id)
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(&user.preferences.theme)
    .bind(user.preferences.page_size)
    .bind(user.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The id and password hash for a login attempt.
pub async fn credentials(pool: &Pool, email: &str) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await
}

pub async fn password_hash(pool: &Pool, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
}

pub async fn set_display_name(pool: &Pool, user_id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_password_hash(pool: &Pool, user_id: i64, hash: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn preferences(pool: &Pool, user_id: i64) -> sqlx::Result<Preferences> {
    let (theme, page_size) = sqlx::query_as("SELECT theme, page_size FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(Preferences { theme, page_size })
}

pub async fn set_preferences(pool: &Pool, user_id: i64, prefs: &Preferences) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET theme = $1, page_size = $2 WHERE id = $3")
        .bind(&prefs.theme)
        .bind(prefs.page_size)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes the account. Sessions, cart lines and events go with it
/// (ON DELETE CASCADE); orders stay, anonymised (ON DELETE SET NULL).
pub async fn delete(pool: &Pool, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}
