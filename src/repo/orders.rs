//! Orders and checkout.

use sqlx::FromRow;

use crate::{db, db::Pool, ids};

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
    /// What is left (0 when sold out or withdrawn).
    pub available: i64,
    /// The product is no longer sold at all.
    pub withdrawn: bool,
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

/// Turns the user's cart into an order, all or nothing, in one transaction:
///
/// 1. the cart is claimed (`DELETE ... RETURNING`), so a second checkout of
///    the same cart, or a line added meanwhile, cannot be ordered twice or
///    lost: the other request waits for this one and finds what is left;
/// 2. stock is taken with `stock = stock - q WHERE stock >= q`, so two
///    buyers of the last unit cannot both succeed;
/// 3. names and prices are copied into the order as they are now.
///
/// If any line cannot be served, the rollback puts the cart back.
pub async fn checkout(pool: &Pool, user_id: i64, now: i64) -> Result<i64, CheckoutError> {
    let mut tx = db::begin_write(pool).await?;
    let mut lines: Vec<(i64, i64)> =
        sqlx::query_as("DELETE FROM cart_items WHERE user_id = $1 RETURNING product_id, quantity")
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
    if lines.is_empty() {
        return Err(CheckoutError::EmptyCart);
    }
    // Lock products in one global order, so two checkouts cannot deadlock.
    lines.sort_unstable();

    let mut items = Vec::with_capacity(lines.len());
    let mut shortfalls = Vec::new();
    for (product_id, quantity) in lines {
        let taken: Option<(String, i64)> = sqlx::query_as(
            "UPDATE products SET stock = stock - $1
              WHERE id = $2 AND active = 1 AND stock >= $1
              RETURNING name, price_cents",
        )
        .bind(quantity)
        .bind(product_id)
        .fetch_optional(&mut *tx)
        .await?;
        match taken {
            Some((product_name, unit_price_cents)) => items.push(OrderItem {
                product_id,
                product_name,
                unit_price_cents,
                quantity,
            }),
            None => {
                // Read what is there now (after any competing commit).
                let (product_name, stock, active): (String, i64, i64) =
                    sqlx::query_as("SELECT name, stock, active FROM products WHERE id = $1")
                        .bind(product_id)
                        .fetch_one(&mut *tx)
                        .await?;
                shortfalls.push(Shortfall {
                    product_name,
                    wanted: quantity,
                    available: if active == 1 { stock } else { 0 },
                    withdrawn: active != 1,
                });
            }
        }
    }
    if !shortfalls.is_empty() {
        tx.rollback().await?;
        return Err(CheckoutError::Shortfalls(shortfalls));
    }

    let order_id = ids::row_id();
    let total: i64 = items.iter().map(OrderItem::line_total_cents).sum();
    sqlx::query(
        "INSERT INTO orders (id, user_id, total_cents, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(order_id)
    .bind(user_id)
    .bind(total)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for item in &items {
        sqlx::query(
            "INSERT INTO order_items (order_id, product_id, product_name, unit_price_cents, quantity)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(order_id)
        .bind(item.product_id)
        .bind(&item.product_name)
        .bind(item.unit_price_cents)
        .bind(item.quantity)
        .execute(&mut *tx)
        .await?;
    }
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
