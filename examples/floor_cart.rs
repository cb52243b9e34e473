//! Floor F3 of the benchmark (`bench/run.sh`): what the cart page's own
//! work costs on the bare stack, as F2 is for the catalog. actix-web, one
//! sqlx query per request (`SqlitePool`, as F1): the shop's visitor query
//! (`data::repo::logins::with_user`: the session row, its user, the user's cart
//! lines with their products) for one signed-in user of the shop's own
//! database, and the shop's cart lines rendered by askama
//! (`templates/partials/cart_lines.html`, the shop's `services::cart::Cart`). No
//! middleware, no cookie, no layout: the shop's `GET /cart` (S1) is this
//! plus what L1 measures.
//!
//! `cargo run --release --example floor_cart -- 127.0.0.1:9004 data/cookie_jar.db EMAIL [any]`
//!
//! With `any`, the query is the shop's own function, `with_user`, through
//! `sqlx::AnyPool` (F3a).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use askama::Template;
use cookie_jar::{
    data::repo::{
        logins::{self, CartLine},
        products::Product,
    },
    domain::ids::{ProductId, SessionId, UserId},
    services::cart::Cart,
    web::page::filters,
};
use sqlx::{
    any::AnyPoolOptions,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteRow},
    AnyPool, AssertSqlSafe, Row, SqlitePool,
};

enum Pool {
    Sqlite(SqlitePool),
    Any(AnyPool),
}

/// Whose cart: the newest session of the user named on the command line.
struct Visitor {
    session_id: SessionId,
    user_id: UserId,
}

struct State {
    pool: Pool,
    visitor: Visitor,
    /// `with_user`'s statement (`data::repo::logins::with_user_sql`).
    sql: String,
}

/// What the partial reads besides the cart: `layout.csrf_token`.
struct Layout {
    csrf_token: &'static str,
}

#[derive(Template)]
#[template(source = r#"{% include "partials/cart_lines.html" %}"#, ext = "html")]
struct Lines {
    layout: Layout,
    cart: Cart,
    logged_in: bool,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    // The versions the shop's `asset` filter adds to image URLs, as the
    // shop reads them at start (bench/run.sh runs this from the checkout).
    cookie_jar::web::assets::load(std::path::Path::new("static"))?;
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9004".into());
    let file = args.next().unwrap_or_else(|| "data/cookie_jar.db".into());
    let email = args.next().context("whose cart: an email")?;
    let options = SqliteConnectOptions::new().filename(&file);
    let sqlite = SqlitePoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    let (id, user_id): (String, UserId) = sqlx::query_as(
        "SELECT s.id, s.user_id FROM logins s JOIN users u ON u.id = s.user_id
          WHERE u.email = $1 AND s.revoked_at IS NULL ORDER BY s.created_at DESC LIMIT 1",
    )
    .bind(&email)
    .fetch_one(&sqlite)
    .await
    .with_context(|| format!("{email} has no session in {file}"))?;
    // The id as the cookie carries it (`SessionId` has no other way in).
    let session_id = serde_json::from_value(serde_json::Value::String(id))?;
    let pool = if args.next().as_deref() == Some("any") {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect(&format!("sqlite://{file}?mode=rw"))
            .await?;
        Pool::Any(pool)
    } else {
        Pool::Sqlite(sqlite)
    };
    let sql = logins::with_user_sql();
    let state = web::Data::new(State {
        pool,
        visitor: Visitor {
            session_id,
            user_id,
        },
        sql,
    });
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/", web::get().to(cart))
    })
    .bind(addr)?
    .run()
    .await?;
    Ok(())
}

/// Every column the shop reads from a row of the visitor query, read as it
/// reads them; the cart's lines are what the page needs.
fn read_sqlite(rows: &[SqliteRow]) -> sqlx::Result<Vec<CartLine>> {
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let _user: (i64, String, String, String, i64) = (
            row.try_get("id")?,
            row.try_get("email")?,
            row.try_get("display_name")?,
            row.try_get("preferences")?,
            row.try_get("created_at")?,
        );
        let _session: (String, i64, i64, i64, Option<i64>) = (
            row.try_get("handle")?,
            row.try_get("last_seen_at")?,
            row.try_get("expires_at")?,
            row.try_get("remember_me")?,
            row.try_get("revoked_at")?,
        );
        let Some(product_id) = row.try_get::<Option<ProductId>, _>("product_id")? else {
            continue;
        };
        let product = match row.try_get::<Option<ProductId>, _>("p_id")? {
            None => None,
            Some(id) => Some(Product {
                id,
                slug: row.try_get("p_slug")?,
                name: row.try_get("p_name")?,
                description: row.try_get("p_description")?,
                price_cents: row.try_get("p_price_cents")?,
                stock: row.try_get("p_stock")?,
                image: row.try_get("p_image")?,
                active: row.try_get::<i64, _>("p_active")? != 0,
            }),
        };
        lines.push(CartLine {
            product_id,
            quantity: row.try_get("quantity")?,
            product,
        });
    }
    Ok(lines)
}

async fn cart(state: web::Data<State>) -> HttpResponse {
    let Visitor {
        session_id,
        user_id,
    } = &state.visitor;
    let lines = match &state.pool {
        Pool::Sqlite(pool) => sqlx::query(AssertSqlSafe(state.sql.clone()))
            .bind(session_id.expose())
            .bind(*user_id)
            .fetch_all(pool)
            .await
            .and_then(|rows| read_sqlite(&rows)),
        Pool::Any(pool) => logins::with_user(pool, session_id, *user_id)
            .await
            .map(|found| found.map(|s| s.cart).unwrap_or_default()),
    };
    let page = lines.map_err(anyhow::Error::from).and_then(|lines| {
        let layout = Layout {
            csrf_token: "Eb2oIdkzpWkkpxrN8ZnRveapKo4ggkO7sL6zJYCeq9A",
        };
        let cart = Cart::of(lines);
        Ok(Lines {
            layout,
            cart,
            logged_in: true,
        }
        .render()?)
    });
    match page {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
