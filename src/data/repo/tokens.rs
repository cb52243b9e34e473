//! Single-use account links (`account_tokens`): only a digest of each
//! token is stored.

use sqlx::FromRow;

use crate::{data::db::Db, domain::ids::UserId};

/// What a link is for. Stored as [`code()`].
///
/// [`code()`]: Purpose::code
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    ResetPassword,
    /// Proves the account's own address.
    VerifyEmail,
    /// Proves a new address, which then becomes the account's.
    ChangeEmail,
}

impl Purpose {
    const ALL: [Purpose; 3] = [
        Purpose::ResetPassword,
        Purpose::VerifyEmail,
        Purpose::ChangeEmail,
    ];

    fn code(self) -> &'static str {
        match self {
            Purpose::ResetPassword => "reset_password",
            Purpose::VerifyEmail => "verify_email",
            Purpose::ChangeEmail => "change_email",
        }
    }
}

impl TryFrom<String> for Purpose {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .ok_or_else(|| format!("unknown token purpose `{code}`"))
    }
}

pub(crate) struct NewToken<'a> {
    pub(crate) digest: &'a str,
    pub(crate) purpose: Purpose,
    pub(crate) user_id: UserId,
    pub(crate) email: &'a str,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
}

/// A token as found by its digest, whatever its state.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct Found {
    #[sqlx(try_from = "String")]
    pub(crate) purpose: Purpose,
    pub(crate) user_id: UserId,
    pub(crate) email: String,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
    pub(crate) retired_at: Option<i64>,
}

/// [`insert`]'s statement.
pub(crate) const INSERT: &str =
    "INSERT INTO account_tokens (digest, purpose, user_id, email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) async fn insert(db: impl Db<'_>, token: &NewToken<'_>) -> sqlx::Result<()> {
    sqlx::query(INSERT)
        .bind(token.digest)
        .bind(token.purpose.code())
        .bind(token.user_id)
        .bind(token.email)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// [`find`]'s statement.
pub(crate) const FIND: &str =
    "SELECT purpose, user_id, email, expires_at, used_at, retired_at FROM account_tokens
          WHERE digest = $1";

/// The token with this digest, used or not, expired or not (the page says
/// which).
pub(crate) async fn find(db: impl Db<'_>, digest: &str) -> sqlx::Result<Option<Found>> {
    sqlx::query_as(FIND).bind(digest).fetch_optional(db).await
}

/// [`use_once`]'s statement: `$1` the digest, `$2` the purpose, `$3` now.
pub(crate) const USE_ONCE: &str = "UPDATE account_tokens SET used_at = $3
          WHERE digest = $1 AND purpose = $2 AND used_at IS NULL AND retired_at IS NULL
            AND expires_at > $3";

/// Uses the token: true for the one caller that finds it unused and
/// unexpired (one statement, so two tabs cannot both use it).
pub(crate) async fn use_once(
    db: impl Db<'_>,
    digest: &str,
    purpose: Purpose,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(USE_ONCE)
        .bind(digest)
        .bind(purpose.code())
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`retire_older`]'s statement: `$1` the user, `$2` the purpose, `$3` now.
pub(crate) const RETIRE_OLDER: &str = "UPDATE account_tokens SET retired_at = $3
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND retired_at IS NULL";

/// Ends the user's unused tokens of `purpose`: a newer link of the same
/// purpose makes the older ones worthless.
pub(crate) async fn retire_older(
    db: impl Db<'_>,
    user_id: UserId,
    purpose: Purpose,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(RETIRE_OLDER)
        .bind(user_id)
        .bind(purpose.code())
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// [`retire_every`]'s statement: `$1` the user, `$2` now.
pub(crate) const RETIRE_EVERY: &str = "UPDATE account_tokens SET retired_at = $2
          WHERE user_id = $1 AND used_at IS NULL AND retired_at IS NULL";

/// Ends every unused token of the user, whatever its purpose
/// ([`services::auth::links::retire_every_link`]).
///
/// [`services::auth::links::retire_every_link`]: crate::services::auth::links::retire_every_link
pub(crate) async fn retire_every(db: impl Db<'_>, user_id: UserId, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(RETIRE_EVERY)
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// [`prune`]'s statement.
pub(crate) const PRUNE: &str = "DELETE FROM account_tokens WHERE expires_at < $1";

/// Deletes tokens that expired before `before` (housekeeping).
pub(crate) async fn prune(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE).bind(before).execute(db).await?;
    Ok(done.rows_affected())
}
