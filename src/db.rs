//! The database: one `sqlx::AnyPool` that is SQLite or PostgreSQL depending on
//! `DATABASE_URL`, migrations embedded in the binary and run at start-up (the
//! catalog seed is one of them), and the few helpers every repo shares.

use std::time::Duration;

use sqlx::{
    any::{install_default_drivers, AnyPoolOptions},
    AnyPool, Executor,
};

pub type Pool = AnyPool;
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

pub async fn connect(database_url: &str) -> anyhow::Result<Pool> {
    install_default_drivers();
    let sqlite = is_sqlite(database_url);
    if sqlite {
        create_parent_dir(database_url)?;
    }
    let pool = AnyPoolOptions::new()
        .max_connections(if sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    // WAL lets readers proceed while one writer commits.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                }
                Ok(())
            })
        })
        .connect(database_url)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

pub fn is_sqlite(database_url: &str) -> bool {
    database_url.starts_with("sqlite:")
}

/// SQLite will not create the folder of its file; we do, so `cargo run`
/// works on a fresh clone.
fn create_parent_dir(database_url: &str) -> std::io::Result<()> {
    let path = database_url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() && path != ":memory:" => {
            std::fs::create_dir_all(dir)
        }
        _ => Ok(()),
    }
}

/// Starts a transaction that writes. SQLite is told up front (`BEGIN
/// IMMEDIATE`) so two writers queue on the lock instead of failing when a
/// read lock cannot be upgraded; PostgreSQL uses row locks and plain `BEGIN`.
pub async fn begin_write(pool: &Pool) -> sqlx::Result<Tx> {
    if is_sqlite(pool.connect_options().database_url.as_str()) {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// True when `err` is a unique-constraint violation (e.g. a taken email).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// One round trip, for the health check.
pub async fn ping(pool: &Pool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
