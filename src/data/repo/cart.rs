//! Logged-in users' carts: one row per (user, product). An add is one
//! atomic statement (the quantity checked against the limit in its `WHERE`),
//! so parallel requests never lose an update; [`services::cart::CartOwner`] runs each
//! change in a transaction with the checks it needs.
//!
//! [`services::cart::CartOwner`]: crate::services::cart::CartOwner

use crate::{
    data::db::Db,
    domain::ids::{ProductId, UserId},
};

/// [`quantity`]'s statement.
pub(crate) const QUANTITY: &str =
    "SELECT quantity FROM cart_items WHERE user_id = $1 AND product_id = $2";

/// The line's quantity, 0 when absent.
pub(crate) async fn quantity(
    db: impl Db<'_>,
    user_id: UserId,
    product_id: ProductId,
) -> sqlx::Result<i64> {
    let q: Option<i64> = sqlx::query_scalar(QUANTITY)
        .bind(user_id)
        .bind(product_id)
        .fetch_optional(db)
        .await?;
    Ok(q.unwrap_or(0))
}

/// [`line_count`]'s statement.
pub(crate) const LINE_COUNT: &str = "SELECT COUNT(*) FROM cart_items WHERE user_id = $1";

/// How many lines the cart has.
pub(crate) async fn line_count(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(LINE_COUNT)
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// [`add_capped`]'s statement: `$1` the user, `$2` the product, `$3` the
/// quantity, `$4` the cap, `$5` now.
pub(crate) const ADD_CAPPED: &str =
    "INSERT INTO cart_items (user_id, product_id, quantity, added_at)
         VALUES ($1, $2, CASE WHEN $3 > $4 THEN $4 ELSE $3 END, $5)
         ON CONFLICT (user_id, product_id) DO UPDATE SET quantity =
           CASE WHEN cart_items.quantity + excluded.quantity <= $4
                  THEN cart_items.quantity + excluded.quantity
                WHEN cart_items.quantity > $4 THEN cart_items.quantity
                ELSE $4 END";

/// Adds `quantity` to a line, never going above `cap` (but never lowering a
/// line that is already above it), in one statement: an add racing with
/// it is not lost. Used by the login merge.
pub(crate) async fn add_capped(
    db: impl Db<'_>,
    user_id: UserId,
    product_id: ProductId,
    quantity: i64,
    cap: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(ADD_CAPPED)
        .bind(user_id)
        .bind(product_id)
        .bind(quantity)
        .bind(cap)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`add`]'s statement: `$1` the user, `$2` the product, `$3` the quantity,
/// `$4` now, `$5` the limit.
pub(crate) const ADD: &str = "INSERT INTO cart_items (user_id, product_id, quantity, added_at)
         SELECT $1, $2, $3, $4 WHERE $3 <= $5
         ON CONFLICT (user_id, product_id)
         DO UPDATE SET quantity = cart_items.quantity + excluded.quantity
         WHERE cart_items.quantity + excluded.quantity <= $5";

/// Adds `quantity` in one statement. Returns false (and changes nothing)
/// when the line would go above `limit`. The line limit is the caller's
/// ([`services::cart::CartOwner::add`] checks it under [`data::db::Database::lock_user`]).
///
/// [`services::cart::CartOwner::add`]: crate::services::cart::CartOwner::add
/// [`data::db::Database::lock_user`]: crate::data::db::Database::lock_user
pub(crate) async fn add(
    db: impl Db<'_>,
    user_id: UserId,
    product_id: ProductId,
    quantity: i64,
    limit: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(ADD)
        .bind(user_id)
        .bind(product_id)
        .bind(quantity)
        .bind(now)
        .bind(limit)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`update_quantity`]'s statement: `$1` the user, `$2` the product, `$3`
/// the quantity.
pub(crate) const UPDATE_QUANTITY: &str =
    "UPDATE cart_items SET quantity = $3 WHERE user_id = $1 AND product_id = $2";

/// Changes the quantity of an existing line in one statement; false when
/// the line is not there (never in the cart, or ordered or removed in
/// another tab meanwhile): nothing is recreated.
pub(crate) async fn update_quantity(
    db: impl Db<'_>,
    user_id: UserId,
    product_id: ProductId,
    quantity: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(UPDATE_QUANTITY)
        .bind(user_id)
        .bind(product_id)
        .bind(quantity)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`remove`]'s statement.
pub(crate) const REMOVE: &str = "DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2";

/// Removes a line; false when it was not there.
pub(crate) async fn remove(
    db: impl Db<'_>,
    user_id: UserId,
    product_id: ProductId,
) -> sqlx::Result<bool> {
    let done = sqlx::query(REMOVE)
        .bind(user_id)
        .bind(product_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`clear`]'s statement.
pub(crate) const CLEAR: &str = "DELETE FROM cart_items WHERE user_id = $1";

/// Empties the cart.
pub(crate) async fn clear(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<()> {
    sqlx::query(CLEAR).bind(user_id).execute(db).await?;
    Ok(())
}

/// [`claim`]'s statement.
pub(crate) const CLAIM: &str =
    "DELETE FROM cart_items WHERE user_id = $1 RETURNING product_id, quantity";

/// Empties the cart and returns what it held, (product id, quantity) per
/// line, in one statement: a checkout's claim on the cart. A second
/// checkout of the same cart waits for this one and finds it empty.
pub(crate) async fn claim(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<Vec<(ProductId, i64)>> {
    sqlx::query_as(CLAIM).bind(user_id).fetch_all(db).await
}

/// [`claim_merge_note`]'s statement.
pub(crate) const CLAIM_MERGE_NOTE: &str =
    "INSERT INTO guest_merges (guest_digest, cart, merged_at) VALUES ($1, '[]', $2)
         ON CONFLICT (guest_digest) DO NOTHING";

/// Makes sure the guest session with this digest has a note (an empty one,
/// `[]`, if it never signed in), and holds it until the transaction ends:
/// two sign-ins with one guest state, into two accounts at once, take
/// turns here and the second sees what the first merged.
pub(crate) async fn claim_merge_note(
    db: impl Db<'_>,
    guest_digest: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(CLAIM_MERGE_NOTE)
        .bind(guest_digest)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`merged_before`]'s statement.
pub(crate) const MERGED_BEFORE: &str = "SELECT cart FROM guest_merges WHERE guest_digest = $1";

/// What the guest session with this digest brought into an account at an
/// earlier sign-in (JSON lines), if it ever signed in.
pub(crate) async fn merged_before(
    db: impl Db<'_>,
    guest_digest: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(MERGED_BEFORE)
        .bind(guest_digest)
        .fetch_optional(db)
        .await
}

/// [`note_merged`]'s statement.
pub(crate) const NOTE_MERGED: &str =
    "INSERT INTO guest_merges (guest_digest, cart, merged_at) VALUES ($1, $2, $3)
         ON CONFLICT (guest_digest) DO UPDATE SET cart = excluded.cart, merged_at = excluded.merged_at";

/// Notes what the guest session with this digest has brought in so far.
pub(crate) async fn note_merged(
    db: impl Db<'_>,
    guest_digest: &str,
    cart: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(NOTE_MERGED)
        .bind(guest_digest)
        .bind(cart)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`prune_merges`]' statement.
pub(crate) const PRUNE_MERGES: &str = "DELETE FROM guest_merges WHERE merged_at < $1";

/// Deletes the notes of merges older than `before`; returns how many.
pub(crate) async fn prune_merges(db: impl Db<'_>, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(PRUNE_MERGES).bind(before).execute(db).await?;
    Ok(done.rows_affected())
}
