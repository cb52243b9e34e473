//! An account's second factor: its sealed TOTP secret (`two_factor`) and
//! its recovery codes, kept as digests (`recovery_codes`).

use sqlx::FromRow;

use crate::{data::db::Db, domain::ids::UserId};

/// An account's TOTP, as stored.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct Totp {
    /// Sealed ([`domain::sealed`]).
    ///
    /// [`domain::sealed`]: crate::domain::sealed
    pub(crate) secret: String,
    /// The last step a code was accepted for.
    pub(crate) last_step: i64,
    pub(crate) enabled_at: i64,
}

/// [`find`]'s statement.
pub(crate) const FIND: &str =
    "SELECT secret, last_step, enabled_at FROM two_factor WHERE user_id = $1";

/// The account's TOTP, if it has one.
pub(crate) async fn find(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<Option<Totp>> {
    sqlx::query_as(FIND).bind(user_id).fetch_optional(db).await
}

/// [`enable`]'s statement: `$1` the user, `$2` the sealed secret, `$3` the
/// step its first code was accepted for, `$4` now.
pub(crate) const ENABLE: &str =
    "INSERT INTO two_factor (user_id, secret, last_step, enabled_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO NOTHING";

/// Turns TOTP on with `secret`: true, unless the account has it on already
/// (then nothing changes: a secret is replaced only by turning it off and
/// on again).
pub(crate) async fn enable(
    db: impl Db<'_>,
    user_id: UserId,
    secret: &str,
    first_step: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(ENABLE)
        .bind(user_id)
        .bind(secret)
        .bind(first_step)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`use_step`]'s statement: `$1` the user, `$2` the step.
pub(crate) const USE_STEP: &str =
    "UPDATE two_factor SET last_step = $2 WHERE user_id = $1 AND last_step < $2";

/// Notes that a code of `step` was accepted: true for the one request that
/// moves `last_step` forward (one statement, so a code replayed at the
/// same moment in another tab is refused).
pub(crate) async fn use_step(db: impl Db<'_>, user_id: UserId, step: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(USE_STEP)
        .bind(user_id)
        .bind(step)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`reseal`]'s statement: `$1` the user, `$2` the secret sealed anew, `$3`
/// the one it replaces.
pub(crate) const RESEAL: &str =
    "UPDATE two_factor SET secret = $2 WHERE user_id = $1 AND secret = $3";

/// Replaces a secret sealed by an old key with the same secret sealed by
/// the current one, unless it changed meanwhile.
pub(crate) async fn reseal(
    db: impl Db<'_>,
    user_id: UserId,
    resealed: &str,
    was: &str,
) -> sqlx::Result<()> {
    sqlx::query(RESEAL)
        .bind(user_id)
        .bind(resealed)
        .bind(was)
        .execute(db)
        .await?;
    Ok(())
}

/// A sealed secret and whose it is.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct Sealed {
    pub(crate) user_id: UserId,
    pub(crate) secret: String,
}

/// [`all_secrets`]'s statement.
pub(crate) const ALL_SECRETS: &str = "SELECT user_id, secret FROM two_factor";

/// Every sealed secret (sealed again at start after a key rotation).
pub(crate) async fn all_secrets(db: impl Db<'_>) -> sqlx::Result<Vec<Sealed>> {
    sqlx::query_as(ALL_SECRETS).fetch_all(db).await
}

/// [`disable`]'s statement.
pub(crate) const DISABLE: &str = "DELETE FROM two_factor WHERE user_id = $1";

/// Turns TOTP off. The recovery codes go with [`drop_codes`].
pub(crate) async fn disable(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<bool> {
    let done = sqlx::query(DISABLE).bind(user_id).execute(db).await?;
    Ok(done.rows_affected() == 1)
}

/// [`add_code`]'s statement.
pub(crate) const ADD_CODE: &str =
    "INSERT INTO recovery_codes (user_id, digest, created_at) VALUES ($1, $2, $3)";

/// Adds a recovery code, by its digest.
pub(crate) async fn add_code(
    db: impl Db<'_>,
    user_id: UserId,
    digest: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(ADD_CODE)
        .bind(user_id)
        .bind(digest)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`drop_codes`]'s statement.
pub(crate) const DROP_CODES: &str = "DELETE FROM recovery_codes WHERE user_id = $1";

/// Deletes every recovery code of the account, used or not.
pub(crate) async fn drop_codes(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<()> {
    sqlx::query(DROP_CODES).bind(user_id).execute(db).await?;
    Ok(())
}

/// [`use_code`]'s statement: `$1` the user, `$2` the digest, `$3` now.
pub(crate) const USE_CODE: &str = "UPDATE recovery_codes SET used_at = $3
          WHERE user_id = $1 AND digest = $2 AND used_at IS NULL";

/// Uses a recovery code: true for the one request that finds it unused.
pub(crate) async fn use_code(
    db: impl Db<'_>,
    user_id: UserId,
    digest: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(USE_CODE)
        .bind(user_id)
        .bind(digest)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`codes_left`]'s statement.
pub(crate) const CODES_LEFT: &str =
    "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";

/// How many of the account's recovery codes are unused.
pub(crate) async fn codes_left(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(CODES_LEFT)
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// A browser that may skip the second step (`remembered_browsers`).
pub(crate) struct NewRememberedBrowser<'a> {
    /// The digest of the token its cookie carries.
    pub(crate) digest: &'a str,
    pub(crate) user_id: UserId,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) user_agent: &'a str,
    pub(crate) ip: &'a str,
}

/// [`remember_browser`]'s statement.
pub(crate) const REMEMBER_BROWSER: &str = "INSERT INTO remembered_browsers
         (digest, user_id, created_at, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) async fn remember_browser(
    db: impl Db<'_>,
    browser: &NewRememberedBrowser<'_>,
) -> sqlx::Result<()> {
    sqlx::query(REMEMBER_BROWSER)
        .bind(browser.digest)
        .bind(browser.user_id)
        .bind(browser.created_at)
        .bind(browser.expires_at)
        .bind(browser.user_agent)
        .bind(browser.ip)
        .execute(db)
        .await?;
    Ok(())
}

/// [`is_remembered`]'s statement: `$1` the digest, `$2` the user, `$3` now.
pub(crate) const IS_REMEMBERED: &str = "SELECT COUNT(*) FROM remembered_browsers
          WHERE digest = $1 AND user_id = $2 AND expires_at > $3";

/// Whether the browser whose token has `digest` is remembered for
/// `user_id`, and not past its time.
pub(crate) async fn is_remembered(
    db: impl Db<'_>,
    digest: &str,
    user_id: UserId,
    now: i64,
) -> sqlx::Result<bool> {
    let found: i64 = sqlx::query_scalar(IS_REMEMBERED)
        .bind(digest)
        .bind(user_id)
        .bind(now)
        .fetch_one(db)
        .await?;
    Ok(found > 0)
}

/// A remembered browser, as the security page lists it.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct RememberedBrowser {
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) user_agent: String,
    pub(crate) ip: String,
}

/// [`remembered_browsers`]'s statement: `$1` the user, `$2` now.
pub(crate) const REMEMBERED_BROWSERS: &str =
    "SELECT created_at, expires_at, user_agent, ip FROM remembered_browsers
          WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC";

/// The account's remembered browsers, newest first.
pub(crate) async fn remembered_browsers(
    db: impl Db<'_>,
    user_id: UserId,
    now: i64,
) -> sqlx::Result<Vec<RememberedBrowser>> {
    sqlx::query_as(REMEMBERED_BROWSERS)
        .bind(user_id)
        .bind(now)
        .fetch_all(db)
        .await
}

/// [`forget_browsers`]'s statement.
pub(crate) const FORGET_BROWSERS: &str = "DELETE FROM remembered_browsers WHERE user_id = $1";

/// Forgets every remembered browser of the account: each asks for the
/// second step again.
pub(crate) async fn forget_browsers(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<u64> {
    let done = sqlx::query(FORGET_BROWSERS)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// [`prune_browsers`]'s statement.
pub(crate) const PRUNE_BROWSERS: &str = "DELETE FROM remembered_browsers WHERE expires_at < $1";

/// Deletes the rows of browsers remembered until before `before`
/// (housekeeping).
pub(crate) async fn prune_browsers(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE_BROWSERS).bind(before).execute(db).await?;
    Ok(done.rows_affected())
}
