//! Accounts.

use sqlx::FromRow;

use crate::{
    db::Db,
    prefs::{ChosenPreferences, PageSize, Preferences, Theme},
};

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub theme: Theme,
    #[sqlx(try_from = "i64")]
    pub page_size: PageSize,
    pub created_at: i64,
}

/// The columns of `User`, for every query that reads one (`u` is `users`).
pub const COLUMNS: &str = "u.id, u.email, u.display_name, u.theme, u.page_size, u.created_at";

impl User {
    pub fn preferences(&self) -> Preferences {
        Preferences {
            theme: self.theme,
            page_size: self.page_size,
        }
    }
}

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
        "INSERT INTO users (id, email, display_name, password_hash, theme, page_size, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id)
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.preferences.theme.as_str())
    .bind(user.preferences.page_size.get())
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

/// Puts the chosen preferences over the account's, in one statement; a
/// preference not chosen keeps the account's value.
pub async fn choose_preferences(
    db: impl Db<'_>,
    user_id: i64,
    chosen: &ChosenPreferences,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET theme = COALESCE($1, theme), page_size = COALESCE($2, page_size)
          WHERE id = $3",
    )
    .bind(chosen.theme.map(Theme::as_str))
    .bind(chosen.page_size.map(PageSize::get))
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}
/// Deletes the account. Sessions, cart lines and events go with it
/// (ON DELETE CASCADE); orders stay, anonymised (ON DELETE SET NULL).
pub async fn delete(db: impl Db<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
