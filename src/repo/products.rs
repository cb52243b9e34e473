//! The catalog.

use sqlx::FromRow;

use crate::db::Pool;

#[derive(Clone, Debug, FromRow)]
pub struct Product {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i64,
    pub image: String,
    pub active: i64,
}

impl Product {
    pub fn available(&self) -> bool {
        self.active == 1 && self.stock > 0
    }
}

const COLUMNS: &str = "id, slug, name, description, price_cents, stock, image, active";

/// How the catalog is ordered; the only values `ORDER BY` ever sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Name,
    Price,
}

impl Sort {
    pub fn parse(value: Option<&str>) -> Option<Sort> {
        match value {
            None | Some("name") => Some(Sort::Name),
            Some("price") => Some(Sort::Price),
            Some(_) => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Price => "price",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::Name => "name, id",
            Sort::Price => "price_cents, name, id",
        }
    }
}

pub async fn featured(pool: &Pool) -> sqlx::Result<Vec<Product>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products WHERE featured = 1 AND active = 1 ORDER BY name"
    ))
    .fetch_all(pool)
    .await
}

pub async fn count_active(pool: &Pool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE active = 1")
        .fetch_one(pool)
        .await
}

pub async fn page(pool: &Pool, sort: Sort, limit: i64, offset: i64) -> sqlx::Result<Vec<Product>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products WHERE active = 1 ORDER BY {} LIMIT $1 OFFSET $2",
        sort.order_by()
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub async fn by_slug(pool: &Pool, slug: &str) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products WHERE slug = $1 AND active = 1"
    ))
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// Any product, active or not (a cart may hold one that was withdrawn).
pub async fn by_id(pool: &Pool, id: i64) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM products WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The products with these ids (for a guest cart), in one query.
pub async fn by_ids(pool: &Pool, ids: &[i64]) -> sqlx::Result<Vec<Product>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM products WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(pool).await
}
