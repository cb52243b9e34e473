//! Accounts.

use sqlx::FromRow;

use crate::{
    data::db::{Conn, Db},
    domain::ids::UserId,
    domain::prefs::Preferences,
};

#[derive(Clone, Debug, FromRow)]
pub(crate) struct User {
    pub(crate) id: UserId,
    pub(crate) email: String,
    pub(crate) display_name: String,
    /// Stored as JSON.
    #[sqlx(try_from = "String")]
    pub(crate) preferences: Preferences,
    pub(crate) created_at: i64,
    /// When the address was last proven to reach its owner (a mailed link
    /// was used); `None`: not yet.
    pub(crate) email_verified_at: Option<i64>,
}

/// The columns of [`User`], for every query that reads one (`u` is `users`).
pub(crate) const COLUMNS: &str =
    "u.id, u.email, u.display_name, u.preferences, u.created_at, u.email_verified_at";

pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub preferences: Preferences,
    pub created_at: i64,
}

/// [`insert`]'s statement.
pub(crate) const INSERT: &str =
    "INSERT INTO users (id, email, display_name, password_hash, preferences, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)";

/// Fails with a unique violation when the email is taken.
pub async fn insert(db: impl Db<'_>, user: &NewUser<'_>) -> sqlx::Result<()> {
    sqlx::query(INSERT)
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

/// [`credentials`]' statement.
pub(crate) const CREDENTIALS: &str = "SELECT id, password_hash FROM users WHERE email = $1";

/// The id and password hash of the account with this email.
pub(crate) async fn credentials(
    db: impl Db<'_>,
    email: &str,
) -> sqlx::Result<Option<(UserId, String)>> {
    sqlx::query_as(CREDENTIALS)
        .bind(email)
        .fetch_optional(db)
        .await
}

/// [`password_hash`]'s statement.
pub(crate) const PASSWORD_HASH: &str = "SELECT password_hash FROM users WHERE id = $1";

/// The account's password hash now (`None`: no such account).
pub(crate) async fn password_hash(
    db: impl Db<'_>,
    user_id: UserId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(PASSWORD_HASH)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// [`by_email`]'s statement.
pub(crate) fn by_email_sql() -> String {
    format!("SELECT {COLUMNS} FROM users u WHERE u.email = $1")
}

/// The account with this (normalised) email.
pub(crate) async fn by_email(db: impl Db<'_>, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(by_email_sql()))
        .bind(email)
        .fetch_optional(db)
        .await
}

/// [`by_id`]'s statement.
pub(crate) fn by_id_sql() -> String {
    format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1")
}

pub(crate) async fn by_id(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<Option<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(by_id_sql()))
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// [`mark_verified`]'s statement: `$1` the user, `$2` the address, `$3` now.
pub(crate) const MARK_VERIFIED: &str =
    "UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2";

/// Notes `email` as proven, if it is still the account's address; false
/// when it is not (changed meanwhile).
pub(crate) async fn mark_verified(
    db: impl Db<'_>,
    user_id: UserId,
    email: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(MARK_VERIFIED)
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`set_email`]'s statement: `$1` the user, `$2` the address, `$3` now.
pub(crate) const SET_EMAIL: &str =
    "UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1";

/// Makes `email`, just proven, the account's address. Fails with a unique
/// violation when another account has it.
pub(crate) async fn set_email(
    db: impl Db<'_>,
    user_id: UserId,
    email: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(SET_EMAIL)
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`set_display_name`]'s statement.
pub(crate) const SET_DISPLAY_NAME: &str = "UPDATE users SET display_name = $1 WHERE id = $2";

pub(crate) async fn set_display_name(
    db: impl Db<'_>,
    user_id: UserId,
    name: &str,
) -> sqlx::Result<()> {
    sqlx::query(SET_DISPLAY_NAME)
        .bind(name)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// [`set_password_hash`]'s statement.
pub(crate) const SET_PASSWORD_HASH: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";

pub(crate) async fn set_password_hash(
    db: impl Db<'_>,
    user_id: UserId,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query(SET_PASSWORD_HASH)
        .bind(hash)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// [`choose_preferences`]' read: the stored preferences (JSON).
pub(crate) const PREFERENCES: &str = "SELECT preferences FROM users WHERE id = $1";

/// [`choose_preferences`]' write.
pub(crate) const SET_PREFERENCES: &str = "UPDATE users SET preferences = $1 WHERE id = $2";

/// Puts `chosen` over the account's preferences; a preference not chosen
/// keeps its value. A read and a write: run it under [`data::db::Database::lock_user`] in a
/// transaction, so that two changes at once do not lose one.
///
/// [`data::db::Database::lock_user`]: crate::data::db::Database::lock_user
pub(crate) async fn choose_preferences(
    conn: &mut Conn,
    user_id: UserId,
    chosen: Preferences,
) -> sqlx::Result<()> {
    let stored: String = sqlx::query_scalar(PREFERENCES)
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let current = Preferences::try_from(stored).map_err(|e| sqlx::Error::Decode(e.into()))?;
    sqlx::query(SET_PREFERENCES)
        .bind(current.merged(chosen).to_json())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// [`delete`]'s statement.
pub(crate) const DELETE: &str = "DELETE FROM users WHERE id = $1";

/// Deletes the account. Logins, cart lines and events go with it
/// (ON DELETE CASCADE); orders stay, anonymised (ON DELETE SET NULL).
pub(crate) async fn delete(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<()> {
    sqlx::query(DELETE).bind(user_id).execute(db).await?;
    Ok(())
}
