//! Logins (`logins`): one row a signed-in browser, what makes its cookie
//! revocable.
//! The secret `id` is the one the cookie carries; `handle` is the public
//! name pages and URLs use.

use sqlx::{AssertSqlSafe, FromRow, Row};

use crate::{
    data::db::{flag, Db},
    data::repo::{
        products::{self, Product},
        users::{self, User},
    },
    domain::ids::{ProductId, SessionId, UserId},
};

pub(crate) struct NewLogin<'a> {
    pub(crate) id: &'a SessionId,
    pub(crate) handle: &'a str,
    pub(crate) user_id: UserId,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) remember_me: bool,
    pub(crate) user_agent: &'a str,
    pub(crate) ip: &'a str,
}

/// [`insert`]'s statement: a new login, last seen when it was made.
pub(crate) const INSERT: &str = "INSERT INTO logins
           (id, handle, user_id, created_at, last_seen_at, expires_at, remember_me, user_agent, ip)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)";

pub(crate) async fn insert(db: impl Db<'_>, s: &NewLogin<'_>) -> sqlx::Result<()> {
    sqlx::query(INSERT)
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

/// One line of an account's cart as it is now.
#[derive(Clone, Debug)]
pub struct CartLine {
    pub product_id: ProductId,
    pub quantity: i64,
    /// `None` when the product no longer exists.
    pub product: Option<Product>,
}

/// A session row with its user and the user's cart: all any page needs
/// about a logged-in visitor, and all the cart page needs, in one query.
#[derive(Clone, Debug)]
pub struct LoginWithUser {
    pub(crate) user: User,
    pub(crate) handle: String,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) remember_me: bool,
    pub(crate) revoked: bool,
    /// Oldest line first.
    pub cart: Vec<CartLine>,
}

/// [`with_user`]'s statement (also run by the benchmark's floor F3,
/// `examples/floor_cart.rs`): `$1` the session id, `$2` the user id.
pub fn with_user_sql() -> String {
    format!(
        "SELECT {}, s.handle, s.last_seen_at, s.expires_at, s.remember_me, s.revoked_at,
                c.product_id, c.quantity, {}
           FROM logins s JOIN users u ON u.id = s.user_id
           LEFT JOIN cart_items c ON c.user_id = u.id
           LEFT JOIN products p ON p.id = c.product_id
          WHERE s.id = $1 AND s.user_id = $2
          ORDER BY c.added_at, c.product_id",
        users::COLUMNS,
        products::JOINED_COLUMNS
    )
}

/// The session row `id` of `user_id`, its user and the user's cart: one
/// row per cart line (one row, with no line, for an empty cart).
pub async fn with_user(
    db: impl Db<'_>,
    id: &SessionId,
    user_id: UserId,
) -> sqlx::Result<Option<LoginWithUser>> {
    let rows = sqlx::query(AssertSqlSafe(with_user_sql()))
        .bind(id.expose())
        .bind(user_id)
        .fetch_all(db)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut cart = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(product_id) = row.try_get("product_id")? {
            cart.push(CartLine {
                product_id,
                quantity: row.try_get("quantity")?,
                product: Product::from_joined(row)?,
            });
        }
    }
    Ok(Some(LoginWithUser {
        user: User::from_row(first)?,
        handle: first.try_get("handle")?,
        last_seen_at: first.try_get("last_seen_at")?,
        expires_at: first.try_get("expires_at")?,
        remember_me: flag(first, "remember_me")?,
        revoked: first.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        cart,
    }))
}

/// [`prune`]'s statement: `$1` before, `$2` the last idle second.
pub(crate) const PRUNE: &str = "DELETE FROM logins
          WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)
             OR (remember_me = 0 AND last_seen_at < $2)";

/// Deletes logins that ended before `before`: expired, revoked,
/// or (without "keep me signed in") idle for `idle_timeout`. They can no
/// longer be shown or used. Returns how many.
pub(crate) async fn prune(db: impl Db<'_>, before: i64, idle_timeout: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE)
        .bind(before)
        .bind(before - idle_timeout)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// [`touch`]'s statement.
pub(crate) const TOUCH: &str = "UPDATE logins SET last_seen_at = $1 WHERE id = $2";

pub(crate) async fn touch(db: impl Db<'_>, id: &SessionId, now: i64) -> sqlx::Result<()> {
    sqlx::query(TOUCH)
        .bind(now)
        .bind(id.expose())
        .execute(db)
        .await?;
    Ok(())
}

/// [`revoke`]'s statement.
pub(crate) const REVOKE: &str =
    "UPDATE logins SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";

pub(crate) async fn revoke(db: impl Db<'_>, id: &SessionId, now: i64) -> sqlx::Result<()> {
    sqlx::query(REVOKE)
        .bind(now)
        .bind(id.expose())
        .execute(db)
        .await?;
    Ok(())
}

/// [`revoke_by_handle`]'s statement.
pub(crate) const REVOKE_BY_HANDLE: &str = "UPDATE logins SET revoked_at = $1
          WHERE handle = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $1";

/// Revokes one of the user's logins by its public handle; false when the
/// handle is not one of this user's live logins.
pub(crate) async fn revoke_by_handle(
    db: impl Db<'_>,
    user_id: UserId,
    handle: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(REVOKE_BY_HANDLE)
        .bind(now)
        .bind(handle)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`revoke_others`]'s statement.
pub(crate) const REVOKE_OTHERS: &str = "UPDATE logins SET revoked_at = $1
          WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL AND expires_at > $1";

/// Revokes every live session of the user except `keep`; returns how many.
pub(crate) async fn revoke_others(
    db: impl Db<'_>,
    user_id: UserId,
    keep: &SessionId,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(REVOKE_OTHERS)
        .bind(now)
        .bind(user_id)
        .bind(keep.expose())
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// [`revoke_all`]'s statement.
pub(crate) const REVOKE_ALL: &str = "UPDATE logins SET revoked_at = $1
          WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1";

/// Revokes every live session of the user (a password reset); returns how
/// many.
pub(crate) async fn revoke_all(db: impl Db<'_>, user_id: UserId, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(REVOKE_ALL)
        .bind(now)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// A live login as `/profile/sessions` lists it: no secret id, only the
/// public handle.
#[derive(Clone, Debug, FromRow)]
pub(crate) struct LoginListing {
    pub(crate) handle: String,
    pub(crate) created_at: i64,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) user_agent: String,
    pub(crate) ip: String,
}

/// [`live_for_user`]'s statement: `$1` the user, `$2` now, `$3` the last
/// idle second.
pub(crate) const LIVE_FOR_USER: &str =
    "SELECT handle, created_at, last_seen_at, expires_at, user_agent, ip
           FROM logins
          WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
            AND (remember_me = 1 OR last_seen_at >= $3)
          ORDER BY last_seen_at DESC";

/// The user's logins that are neither revoked nor past a timeout.
pub(crate) async fn live_for_user(
    db: impl Db<'_>,
    user_id: UserId,
    now: i64,
    idle_timeout: i64,
) -> sqlx::Result<Vec<LoginListing>> {
    sqlx::query_as(LIVE_FOR_USER)
        .bind(user_id)
        .bind(now)
        .bind(now - idle_timeout)
        .fetch_all(db)
        .await
}

/// [`count_live`]'s statement.
pub(crate) const COUNT_LIVE: &str = "SELECT COUNT(*) FROM logins
          WHERE revoked_at IS NULL AND expires_at > $1
            AND (remember_me = 1 OR last_seen_at >= $2)";

/// How many logins are live: not revoked, not past a timeout.
pub(crate) async fn count_live(db: impl Db<'_>, now: i64, idle_timeout: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(COUNT_LIVE)
        .bind(now)
        .bind(now - idle_timeout)
        .fetch_one(db)
        .await
}
