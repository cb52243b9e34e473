//! The database: one `sqlx::AnyPool` that is SQLite or PostgreSQL depending on
//! `DATABASE_URL`, migrations embedded in the binary and run at start-up (the
//! catalog seed is one of them), transactions, and the few helpers every
//! repo shares.

use std::time::Duration;

use sqlx::{
    any::{install_default_drivers, AnyPoolOptions, AnyRow},
    AnyConnection, AnyPool, Executor, Row,
};

use crate::config::DatabaseUrl;

pub type Pool = AnyPool;
/// A transaction; `&mut *tx` is a connection every repo function takes.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
/// One connection (inside a transaction, usually).
pub type Conn = AnyConnection;

/// What a repo function runs its statement on: the pool, or a connection
/// inside a transaction (`&mut *tx`), so the caller decides.
pub trait Db<'c>: Executor<'c, Database = sqlx::Any> {}

impl<'c, T: Executor<'c, Database = sqlx::Any>> Db<'c> for T {}

/// The migrations in `migrations/`, embedded at build time; `connect` runs
/// those a database has not had yet.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The pool, with the migrations not yet applied applied. A database that
/// has them all is only read, so the shop also starts on one it may not
/// write (a read-only file or standby): it shows pages and refuses changes.
pub async fn connect(database_url: &DatabaseUrl) -> anyhow::Result<Pool> {
    let pool = open(database_url).await?;
    if !migrations_up_to_date(&pool).await? {
        MIGRATIONS.run(&pool).await?;
    }
    Ok(pool)
}

/// The pool, as the database is; a SQLite file is made if it is missing.
pub async fn open(database_url: &DatabaseUrl) -> anyhow::Result<Pool> {
    install_default_drivers();
    let sqlite = database_url.is_sqlite();
    if sqlite {
        create_parent_dir(database_url.expose())?;
    }
    let pool = AnyPoolOptions::new()
        .max_connections(if sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(5))
        // No ping before each use: it is one more round trip per query, and
        // a connection that broke fails its query, which then fails the
        // request with a clear error (the pool drops the connection).
        .test_before_acquire(false)
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
        .connect(database_url.expose())
        .await?;
    Ok(pool)
}

/// The pool for looking only (`cookie-jar check-config`, `backup`): a
/// SQLite file is opened read-only, never made, and its journal left as it
/// is; a database that is not there is an error.
pub async fn open_read_only(database_url: &DatabaseUrl) -> anyhow::Result<Pool> {
    install_default_drivers();
    let url = if database_url.is_sqlite() {
        read_only_sqlite(database_url.expose())
    } else {
        database_url.expose().to_string()
    };
    Ok(AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&url)
        .await?)
}

/// `sqlite://data/shop.db?mode=rwc` -> `sqlite://data/shop.db?mode=ro`.
fn read_only_sqlite(url: &str) -> String {
    let (file, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    params.push("mode=ro");
    format!("{file}?{}", params.join("&"))
}

/// The file of a `sqlite:` URL (`None` for PostgreSQL and `:memory:`).
pub fn sqlite_file(database_url: &DatabaseUrl) -> Option<std::path::PathBuf> {
    let url = database_url.expose();
    let path = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// Which file a path names now (device and inode), or `None` when there
/// is none: a file deleted or replaced under the shop answers differently.
pub fn file_identity(path: &std::path::Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    // Elsewhere only whether it is there.
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some((0, 0))
    }
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
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// True when `err` is a violation of the unique constraint on
/// `table.column` (a taken email), and not of another one of the same
/// statement (a primary key, say). PostgreSQL names the constraint
/// (`users_email_key` for a column declared `UNIQUE`); SQLite names the
/// column ("UNIQUE constraint failed: users.email").
pub fn violates_unique(err: &sqlx::Error, table: &str, column: &str) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    if !db.is_unique_violation() {
        return false;
    }
    match db.constraint() {
        Some(constraint) => constraint == format!("{table}_{column}_key"),
        None => db
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .is_some_and(|columns| {
                columns
                    .split(", ")
                    .any(|c| c == format!("{table}.{column}"))
            }),
    }
}

/// The migrations the database records as applied: version and checksum.
async fn applied_migrations(pool: &Pool) -> sqlx::Result<Vec<(i64, Vec<u8>)>> {
    let applied = sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await;
    match applied {
        Ok(rows) => Ok(rows),
        // No table yet: a database no migration has touched (SQLite: "no
        // such table"; PostgreSQL: 42P01). Any other error is an error.
        Err(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("42P01") || db.message().contains("no such table") =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

/// How many of `MIGRATIONS` the database has had (the same version with
/// the same checksum), and how many there are.
pub async fn migrations_applied(pool: &Pool) -> sqlx::Result<(usize, usize)> {
    let applied = applied_migrations(pool).await?;
    let done = MIGRATIONS
        .iter()
        .filter(|m| {
            applied
                .iter()
                .any(|(v, sum)| *v == m.version && *sum == *m.checksum)
        })
        .count();
    Ok((done, MIGRATIONS.iter().count()))
}

/// Whether the database has exactly `MIGRATIONS`, no fewer, none changed,
/// none the binary does not know (a newer binary's): then `connect` need
/// not run them, and only reads. Anything else goes to sqlx's migrator,
/// which applies what is missing or says what does not match.
async fn migrations_up_to_date(pool: &Pool) -> sqlx::Result<bool> {
    let applied = applied_migrations(pool).await?;
    let (done, known) = migrations_applied(pool).await?;
    Ok(done == known && applied.len() == known)
}

/// One round trip, for the health check.
pub async fn ping(pool: &Pool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// A 0/1 integer column as a `bool` (the schema stores flags as integers,
/// the one boolean both databases read the same way).
pub fn flag(row: &AnyRow, column: &str) -> sqlx::Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Lets one transaction at a time change what belongs to a user (the cart
/// and its 50-line limit): PostgreSQL locks the user's row until the
/// transaction ends; on SQLite, `begin_write` already admits one writer
/// at a time, so there is nothing more to do.
pub async fn lock_user(conn: &mut Conn, user_id: i64) -> sqlx::Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}
