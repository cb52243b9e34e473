//! Floor F1 of the benchmark (`bench/run.sh`): actix-web plus one sqlx
//! query per request on a small SQLite table (`SqlitePool`, one row), and a
//! tiny body. The floor of any page that reads the database once.
//!
//! `cargo run --release --example floor_query -- 127.0.0.1:9002 /tmp/floor.db`

/// The same allocator as the shop (`src/main.rs`), so the floor measures
/// the same stack.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use actix_web::{web, App, HttpResponse, HttpServer};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9002".into());
    let file = args.next().unwrap_or_else(|| "floor.db".into());
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    // As the shop's pool: eight connections, no ping before each use.
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&pool)
        .await?;
    sqlx::query("INSERT OR REPLACE INTO items (id, name) VALUES (1, 'cookie')")
        .execute(&pool)
        .await?;
    let pool = web::Data::new(pool);
    HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/", web::get().to(one_row))
    })
    .bind(addr)?
    .run()
    .await?;
    Ok(())
}

async fn one_row(pool: web::Data<SqlitePool>) -> HttpResponse {
    match sqlx::query_scalar::<_, String>("SELECT name FROM items WHERE id = 1")
        .fetch_one(pool.get_ref())
        .await
    {
        Ok(name) => HttpResponse::Ok().body(name),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
