//! Floor F2 of the benchmark (`bench/run.sh`): what the catalog page's own
//! work costs on the bare stack. actix-web, one sqlx query per request
//! (`SqlitePool`, as F1; the shop goes through `AnyPool`): the shop's own
//! SQL for the first catalog page, on the shop's own database, and the
//! shop's own product cards rendered by askama
//! (`templates/partials/product_card.html`, with the shop's filters). No
//! middleware, no session, no layout: the shop's `GET /products` is this
//! plus what L1 measures (its middleware, the session, the layout).
//!
//! `cargo run --release --example floor_catalog -- 127.0.0.1:9003 data/cookie_jar.db [any]`
//!
//! With `any`, the query goes through `sqlx::AnyPool` as the shop's do
//! (F2a): the difference to F2 is what one binary for two databases costs.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use actix_web::{web, App, HttpResponse, HttpServer};
use askama::Template;
use cookie_jar::web::page::filters;
use sqlx::{
    any::AnyPoolOptions,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    AnyPool, SqlitePool,
};

/// The catalog's query (`data::repo::products::page`'s, for page 1 by name).
const QUERY: &str = "SELECT id, slug, name, description, price_cents, stock, image, active,
        (SELECT COUNT(*) FROM products WHERE active = 1) AS total
   FROM products WHERE active = 1
  ORDER BY name, id LIMIT $1 OFFSET $2";

enum Pool {
    Sqlite(SqlitePool),
    Any(AnyPool),
}

#[derive(sqlx::FromRow)]
struct Product {
    id: i64,
    slug: String,
    name: String,
    // Read as the shop reads it, though a card does not show it.
    #[allow(dead_code)]
    description: String,
    price_cents: i64,
    stock: i64,
    image: String,
    // An integer, as `data::repo::products` reads it: `AnyPool` has no boolean
    // for a SQLite column.
    #[allow(dead_code)]
    active: i64,
    #[allow(dead_code)]
    total: i64,
}

/// What the card partial reads besides the product: `layout.csrf_token`.
struct Layout {
    csrf_token: &'static str,
}

#[derive(Template)]
#[template(
    source = r#"<ul class="grid">{% for p in products %}{% include "partials/product_card.html" %}{% endfor %}</ul>"#,
    ext = "html"
)]
struct Cards {
    layout: Layout,
    products: Vec<Product>,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    // The versions the shop's `asset` filter adds to image URLs, as the
    // shop reads them at start (bench/run.sh runs this from the checkout).
    cookie_jar::web::assets::load(std::path::Path::new("static"))?;
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9003".into());
    let file = args.next().unwrap_or_else(|| "data/cookie_jar.db".into());
    let pool = if args.next().as_deref() == Some("any") {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{file}?mode=rw");
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect(&url)
            .await?;
        Pool::Any(pool)
    } else {
        let options = SqliteConnectOptions::new().filename(&file);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Pool::Sqlite(pool)
    };
    let pool = web::Data::new(pool);
    HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/", web::get().to(cards))
    })
    .bind(addr)?
    .run()
    .await?;
    Ok(())
}

async fn cards(pool: web::Data<Pool>) -> HttpResponse {
    let products = match pool.get_ref() {
        Pool::Sqlite(pool) => {
            let query = sqlx::query_as::<_, Product>(QUERY).bind(12_i64).bind(0_i64);
            query.fetch_all(pool).await
        }
        Pool::Any(pool) => {
            let query = sqlx::query_as::<_, Product>(QUERY).bind(12_i64).bind(0_i64);
            query.fetch_all(pool).await
        }
    };
    let page = products.map_err(anyhow::Error::from).and_then(|products| {
        let layout = Layout {
            csrf_token: "Eb2oIdkzpWkkpxrN8ZnRveapKo4ggkO7sL6zJYCeq9A",
        };
        Ok(Cards { layout, products }.render()?)
    });
    match page {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
