//! Orders: what was bought, at the names and prices of that moment.

use sqlx::{AssertSqlSafe, FromRow, Row};

use crate::{
    data::db::{Db, Pool},
    domain::ids::{OrderId, ProductId, UserId},
};

#[derive(Clone, Debug, FromRow)]
pub(crate) struct OrderSummary {
    pub(crate) id: OrderId,
    pub(crate) total_cents: i64,
    pub(crate) created_at: i64,
    pub(crate) item_count: i64,
}

#[derive(Clone, Debug, FromRow)]
pub(crate) struct OrderItem {
    pub(crate) product_id: ProductId,
    pub(crate) product_name: String,
    pub(crate) unit_price_cents: i64,
    pub(crate) quantity: i64,
}

impl OrderItem {
    pub(crate) fn line_total_cents(&self) -> i64 {
        self.unit_price_cents * self.quantity
    }
}

/// [`insert`]'s statement.
pub(crate) const INSERT: &str =
    "INSERT INTO orders (id, user_id, total_cents, created_at) VALUES ($1, $2, $3, $4)";

pub(crate) async fn insert(
    db: impl Db<'_>,
    order_id: OrderId,
    user_id: UserId,
    total_cents: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(INSERT)
        .bind(order_id)
        .bind(user_id)
        .bind(total_cents)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// [`insert_item`]'s statement.
pub(crate) const INSERT_ITEM: &str =
    "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity)
         VALUES ($1, $2, $3, $4, $5)";

pub(crate) async fn insert_item(
    db: impl Db<'_>,
    order_id: OrderId,
    item: &OrderItem,
) -> sqlx::Result<()> {
    sqlx::query(INSERT_ITEM)
        .bind(order_id)
        .bind(item.product_id)
        .bind(&item.product_name)
        .bind(item.unit_price_cents)
        .bind(item.quantity)
        .execute(db)
        .await?;
    Ok(())
}

/// The columns of an [`OrderSummary`], of the orders `o`.
const SUMMARY_COLUMNS: &str = "SELECT o.id, o.total_cents, o.created_at,
        (SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT)
           FROM order_items i WHERE i.order_id = o.id) AS item_count";

/// [`page`]'s statement: `$1` the user, `$2` the page size, `$3` the
/// orders before the page; newest first.
pub(crate) fn page_sql() -> String {
    format!(
        "{SUMMARY_COLUMNS}, (SELECT COUNT(*) FROM orders WHERE user_id = $1) AS total
           FROM orders o WHERE o.user_id = $1
          ORDER BY o.created_at DESC, o.id DESC LIMIT $2 OFFSET $3"
    )
}

/// Page `n` (from 1) of the user's orders in pages of `size`, newest
/// first, and how many orders there are in all, in one query: the total
/// is `None` when the page is past the end (no row to carry it).
pub(crate) async fn page(
    db: impl Db<'_>,
    user_id: UserId,
    size: i64,
    n: i64,
) -> sqlx::Result<(Vec<OrderSummary>, Option<i64>)> {
    let rows = sqlx::query(AssertSqlSafe(page_sql()))
        .bind(user_id)
        .bind(size)
        .bind((n - 1).saturating_mul(size))
        .fetch_all(db)
        .await?;
    let total = rows.first().map(|row| row.try_get("total")).transpose()?;
    let orders = rows
        .iter()
        .map(OrderSummary::from_row)
        .collect::<sqlx::Result<_>>()?;
    Ok((orders, total))
}

/// [`count`]'s statement.
pub(crate) const COUNT: &str = "SELECT COUNT(*) FROM orders WHERE user_id = $1";

pub(crate) async fn count(db: impl Db<'_>, user_id: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(COUNT).bind(user_id).fetch_one(db).await
}

/// [`find`]'s first statement, the order: `$1` the order, `$2` the user.
pub(crate) fn find_sql() -> String {
    format!("{SUMMARY_COLUMNS} FROM orders o WHERE o.id = $1 AND o.user_id = $2")
}

/// [`find`]'s second statement, the order's items.
pub(crate) const ITEMS: &str = "SELECT product_id, product_name, unit_price_cents, quantity
           FROM order_items WHERE order_id = $1 ORDER BY product_name";

/// One of the user's orders with its items; `None` for anyone else's.
pub(crate) async fn find(
    pool: &Pool,
    user_id: UserId,
    order_id: OrderId,
) -> sqlx::Result<Option<(OrderSummary, Vec<OrderItem>)>> {
    let order: Option<OrderSummary> = sqlx::query_as(AssertSqlSafe(find_sql()))
        .bind(order_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    let Some(order) = order else { return Ok(None) };
    let items = sqlx::query_as(ITEMS).bind(order_id).fetch_all(pool).await?;
    Ok(Some((order, items)))
}
