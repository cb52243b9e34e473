//! The catalog, and the stock a checkout takes.

use sqlx::{any::AnyRow, AssertSqlSafe, FromRow, Row};

use crate::{
    data::db::{flag, Db},
    domain::ids::ProductId,
};

#[derive(Clone, Debug)]
pub struct Product {
    pub id: ProductId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i64,
    /// Path under `/static`.
    pub image: String,
    /// Still sold; a withdrawn product can linger in carts and orders.
    pub active: bool,
}

impl Product {
    /// Can go into a cart right now.
    pub(crate) fn available(&self) -> bool {
        self.active && self.stock > 0
    }
}

impl FromRow<'_, AnyRow> for Product {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        read(row, &OWN_NAMES)
    }
}

const COLUMNS: &str = "id, slug, name, description, price_cents, stock, image, active";

/// The columns of [`Product`] as another table's query joins them (`p` is
/// `products`), read back by [`Product::from_joined`].
pub(crate) const JOINED_COLUMNS: &str = "p.id AS p_id, p.slug AS p_slug, p.name AS p_name, \
    p.description AS p_description, p.price_cents AS p_price_cents, p.stock AS p_stock, \
    p.image AS p_image, p.active AS p_active";

/// The names [`COLUMNS`] and [`JOINED_COLUMNS`] give the fields, in the order
/// [`read`] takes them.
const OWN_NAMES: [&str; 8] = [
    "id",
    "slug",
    "name",
    "description",
    "price_cents",
    "stock",
    "image",
    "active",
];
const JOINED_NAMES: [&str; 8] = [
    "p_id",
    "p_slug",
    "p_name",
    "p_description",
    "p_price_cents",
    "p_stock",
    "p_image",
    "p_active",
];

/// A [`Product`] from a row, its columns under these names.
fn read(row: &AnyRow, names: &[&str; 8]) -> sqlx::Result<Product> {
    let [id, slug, name, description, price_cents, stock, image, active] = *names;
    Ok(Product {
        id: row.try_get(id)?,
        slug: row.try_get(slug)?,
        name: row.try_get(name)?,
        description: row.try_get(description)?,
        price_cents: row.try_get(price_cents)?,
        stock: row.try_get(stock)?,
        image: row.try_get(image)?,
        active: flag(row, active)?,
    })
}

impl Product {
    /// The product of a row with [`JOINED_COLUMNS`]; `None` when the join
    /// found none (the product no longer exists).
    pub(crate) fn from_joined(row: &AnyRow) -> sqlx::Result<Option<Product>> {
        if row.try_get::<Option<i64>, _>("p_id")?.is_none() {
            return Ok(None);
        }
        read(row, &JOINED_NAMES).map(Some)
    }
}

/// How the catalog is ordered; the only values `ORDER BY` ever sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Sort {
    #[default]
    Name,
    Price,
}

impl Sort {
    pub(crate) fn parse(value: &str) -> Option<Sort> {
        match value {
            "name" => Some(Sort::Name),
            "price" => Some(Sort::Price),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
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

/// [`featured`]'s statement.
pub(crate) fn featured_sql() -> String {
    format!("SELECT {COLUMNS} FROM products WHERE featured = 1 AND active = 1 ORDER BY name")
}

pub(crate) async fn featured(db: impl Db<'_>) -> sqlx::Result<Vec<Product>> {
    sqlx::query_as(AssertSqlSafe(featured_sql()))
        .fetch_all(db)
        .await
}

/// [`page`]'s statement in the order `sort`: `$1` the page size, `$2` the
/// products before the page.
pub(crate) fn page_sql(sort: Sort) -> String {
    format!(
        "SELECT {COLUMNS}, (SELECT COUNT(*) FROM products WHERE active = 1) AS total
           FROM products WHERE active = 1
          ORDER BY {} LIMIT $1 OFFSET $2",
        sort.order_by()
    )
}

/// Page `n` (from 1) of the catalog in pages of `size`, and how many
/// products there are in all, in one query (the count is a subquery that
/// runs once): the total is `None` when the page is past the end (no row
/// to carry it).
pub(crate) async fn page(
    db: impl Db<'_>,
    sort: Sort,
    size: i64,
    n: i64,
) -> sqlx::Result<(Vec<Product>, Option<i64>)> {
    let rows = sqlx::query(AssertSqlSafe(page_sql(sort)))
        .bind(size)
        .bind((n - 1).saturating_mul(size))
        .fetch_all(db)
        .await?;
    let total = rows.first().map(|row| row.try_get("total")).transpose()?;
    let products = rows
        .iter()
        .map(Product::from_row)
        .collect::<sqlx::Result<_>>()?;
    Ok((products, total))
}

/// [`by_slug`]'s statement.
pub(crate) fn by_slug_sql() -> String {
    format!("SELECT {COLUMNS} FROM products WHERE slug = $1 AND active = 1")
}

pub(crate) async fn by_slug(db: impl Db<'_>, slug: &str) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(AssertSqlSafe(by_slug_sql()))
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// [`by_id`]'s statement.
pub(crate) fn by_id_sql() -> String {
    format!("SELECT {COLUMNS} FROM products WHERE id = $1")
}

/// Any product, active or not (a cart may hold one that was withdrawn).
pub(crate) async fn by_id(db: impl Db<'_>, id: ProductId) -> sqlx::Result<Option<Product>> {
    sqlx::query_as(AssertSqlSafe(by_id_sql()))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// [`by_ids`]' statement for `n` ids (`$1` to `$n`; `n` at least 1).
pub(crate) fn by_ids_sql(n: usize) -> String {
    let placeholders: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT {COLUMNS} FROM products WHERE id IN ({})",
        placeholders.join(", ")
    )
}

/// The products with these ids, in one query.
pub(crate) async fn by_ids(db: impl Db<'_>, ids: &[ProductId]) -> sqlx::Result<Vec<Product>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = sqlx::query_as(AssertSqlSafe(by_ids_sql(ids.len())));
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(db).await
}

/// [`take_stock`]'s statement: `$1` the quantity, `$2` the product.
pub(crate) const TAKE_STOCK: &str = "UPDATE products SET stock = stock - $1
          WHERE id = $2 AND active = 1 AND stock >= $1
          RETURNING name, price_cents";

/// Takes `quantity` units of a product that is sold and has that many, in
/// one statement, and returns its name and price of this moment; `None`
/// (and nothing taken) otherwise. Two buyers of the last unit cannot both
/// get `Some`.
pub(crate) async fn take_stock(
    db: impl Db<'_>,
    product_id: ProductId,
    quantity: i64,
) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as(TAKE_STOCK)
        .bind(quantity)
        .bind(product_id)
        .fetch_optional(db)
        .await
}
