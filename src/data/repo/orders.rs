//! Orders: what was bought, at the names and prices of that moment.

use sqlx::{AssertSqlSafe, FromRow};

use crate::data::db::{Db, Pool};

#[derive(Clone, Debug, FromRow)]
pub struct OrderSummary {
    pub id: i64,
    pub total_cents: i64,
    pub created_at: i64,
    pub item_count: i64,
}

#[derive(Clone, Debug, FromRow)]
pub struct OrderItem {
    pub product_id: i64,
    pub product_name: String,
    pub unit_price_cents: i64,
    pub quantity: i64,
}

impl OrderItem {
    pub fn line_total_cents(&self) -> i64 {
        self.unit_price_cents * self.quantity
    }
}

pub async fn insert(
    db: impl Db<'_>,
    order_id: i64,
    user_id: i64,
    total_cents: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO orders (id, user_id, total_cents, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(order_id)
    .bind(user_id)
    .bind(total_cents)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_item(db: impl Db<'_>, order_id: i64, item: &OrderItem) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(item.product_id)
    .bind(&item.product_name)
    .bind(item.unit_price_cents)
    .bind(item.quantity)
    .execute(db)
    .await?;
    Ok(())
}

const SUMMARY: &str = "SELECT o.id, o.total_cents, o.created_at,
        (SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT)
           FROM order_items i WHERE i.order_id = o.id) AS item_count
   FROM orders o";

pub async fn list(db: impl Db<'_>, user_id: i64) -> sqlx::Result<Vec<OrderSummary>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "{SUMMARY} WHERE o.user_id = $1 ORDER BY o.created_at DESC, o.id"
    )))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn count(db: impl Db<'_>, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// One of the user's orders with its items; `None` for anyone else's.
pub async fn find(
    pool: &Pool,
    user_id: i64,
    order_id: i64,
) -> sqlx::Result<Option<(OrderSummary, Vec<OrderItem>)>> {
    let order: Option<OrderSummary> = sqlx::query_as(AssertSqlSafe(format!(
        "{SUMMARY} WHERE o.id = $1 AND o.user_id = $2"
    )))
    .bind(order_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let Some(order) = order else { return Ok(None) };
    let items = sqlx::query_as(
        "SELECT product_id, product_name, unit_price_cents, quantity
           FROM order_items WHERE order_id = $1 ORDER BY product_name",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    Ok(Some((order, items)))
}
