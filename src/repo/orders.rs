//! Orders and checkout.

use sqlx::FromRow;

use crate::{db, db::Pool, ids, repo::cart};

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

/// Why a cart line could not be bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortfall {
    pub product_name: String,
    pub wanted: i64,
    /// 0 for sold out or withdrawn products.
    pub available: i64,
}

#[derive(Debug)]
pub enum CheckoutError {
    EmptyCart,
    /// Nothing was bought: these lines cannot be served.
    Shortfalls(Vec<Shortfall>),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for CheckoutError {
    fn from(e: sqlx::Error) -> Self {
        CheckoutError::Database(e)
    }
}

#[derive(FromRow)]
struct CheckoutLine {
    product_id: i64,
    quantity: i64,
    name: String,
    price_cents: i64,
    stock: i64,
    active: i64,
}

/// Turns the user's cart into an order, all or nothing, in one transaction:
/// stock is taken with `stock = stock - q WHERE stock >= q`, so two buyers of
/// the last unit cannot both succeed; names and prices are copied into the
/// order; the cart is emptied.
pub async fn checkout(pool: &Pool, user_id: i64, now: i64) -> Result<i64, CheckoutError> {
    let mut tx = db::begin_write(pool).await?;
    let lines: Vec<CheckoutLine> = sqlx::query_as(
        "SELECT c.product_id, c.quantity, p.name, p.price_cents, p.stock, p.active
           FROM cart_items c JOIN products p ON p.id = c.product_id
          WHERE c.user_id = $1 ORDER BY c.product_id",
    )
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    if lines.is_empty() {
        return Err(CheckoutError::EmptyCart);
    }

    let mut shortfalls = Vec::new();
    for line in &lines {
        let taken = sqlx::query(
            "UPDATE products SET stock = stock - $1 WHERE id = $2 AND active = 1 AND stock >= $1",
        )
        .bind(line.quantity)
        .bind(line.product_id)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            shortfalls.push(Shortfall {
                product_name: line.name.clone(),
                wanted: line.quantity,
                available: if line.active == 1 {
                    line.stock.min(line.quantity)
                } else {
                    0
                },
            });
        }
    }
    if !shortfalls.is_empty() {
        tx.rollback().await?;
        return Err(CheckoutError::Shortfalls(shortfalls));
    }

    let order_id = ids::row_id();
    let total: i64 = lines.iter().map(|l| l.price_cents * l.quantity).sum();
    sqlx::query(
        "INSERT INTO orders (id, user_id, total_cents, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(order_id)
    .bind(user_id)
    .bind(total)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for line in &lines {
        sqlx::query(
            "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(order_id)
        .bind(line.product_id)
        .bind(&line.name)
        .bind(line.price_cents)
        .bind(line.quantity)
        .execute(&mut *tx)
        .await?;
    }
    cart::clear(&mut *tx, user_id).await?;
    tx.commit().await?;
    Ok(order_id)
}

const SUMMARY: &str = "SELECT o.id, o.total_cents, o.created_at,
        (SELECT CAST(COALESCE(SUM(i.quantity), 0) AS BIGINT)
           FROM order_items i WHERE i.order_id = o.id) AS item_count
   FROM orders o";

pub async fn list(pool: &Pool, user_id: i64) -> sqlx::Result<Vec<OrderSummary>> {
    sqlx::query_as(&format!(
        "{SUMMARY} WHERE o.user_id = $1 ORDER BY o.created_at DESC, o.id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &Pool, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// One of the user's orders with its items; `None` for anyone else's.
pub async fn find(
    pool: &Pool,
    user_id: i64,
    order_id: i64,
) -> sqlx::Result<Option<(OrderSummary, Vec<OrderItem>)>> {
    let order: Option<OrderSummary> =
        sqlx::query_as(&format!("{SUMMARY} WHERE o.id = $1 AND o.user_id = $2"))
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
