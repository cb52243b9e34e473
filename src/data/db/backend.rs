//! [`Backend`]: every place where SQLite and PostgreSQL differ, in one type
//! decided when the database is opened (from the scheme of `DATABASE_URL`).
//! Nothing outside `src/data/db/` asks which backend is in use: the pool, the
//! transactions and locks, the errors, the file to watch and the backup ask
//! it here.

use std::path::PathBuf;

use sqlx::{any::AnyPoolOptions, AssertSqlSafe, Executor};

use super::{Conn, Pool, Tx};
use crate::domain::{config::DatabaseUrl, ids::UserId};

/// The most of a SQLite file's pages one connection keeps in memory, in
/// KiB (SQLite's own default, said where it can be read).
pub const SQLITE_PAGE_CACHE_KIB: u64 = 2000;

/// [`Backend::pool_options`]' first statement on a SQLite connection: WAL.
pub(crate) const SQLITE_JOURNAL_MODE: &str = "PRAGMA journal_mode = WAL";

/// [`Backend::pool_options`]' second statement on a SQLite connection.
pub(crate) const SQLITE_SYNCHRONOUS: &str = "PRAGMA synchronous = NORMAL";

/// [`Backend::pool_options`]' third statement on a SQLite connection: its
/// page cache, `SQLITE_PAGE_CACHE_KIB`.
pub(crate) fn sqlite_cache_size_sql() -> String {
    format!("PRAGMA cache_size = -{SQLITE_PAGE_CACHE_KIB}")
}

/// [`Backend::begin_write`]'s statement on SQLite (PostgreSQL: a plain
/// `BEGIN`, sqlx's own).
pub(crate) const SQLITE_BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// [`Backend::lock_user`]'s statement on PostgreSQL (SQLite needs none).
pub(crate) const POSTGRES_LOCK_USER: &str = "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE";

/// [`Backend::backup`]'s statement on SQLite: `$1` the new file.
pub(crate) const SQLITE_BACKUP: &str = "VACUUM INTO $1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A file (`None`: in memory), at most one writer at a time.
    Sqlite { file: Option<PathBuf> },
    /// A server; row locks let writers of different rows run side by side.
    Postgres,
}

impl Backend {
    /// The backend `DATABASE_URL` names: `sqlite:` or `postgres:`
    /// (`postgresql:`); anything else is refused with a message naming it.
    pub(crate) fn of(url: &DatabaseUrl) -> anyhow::Result<Backend> {
        let url = url.expose();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            let file = (!path.is_empty() && path != ":memory:").then(|| path.into());
            return Ok(Backend::Sqlite { file });
        }
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            return Ok(Backend::Postgres);
        }
        anyhow::bail!(
            "DATABASE_URL must start with `sqlite:` or `postgres:`, got `{}`",
            DatabaseUrl::new(url)
        )
    }

    /// The pool's options: SQLite's connections all go through one file
    /// lock, so a few are enough; each is put in WAL mode, so readers
    /// proceed while one writer commits, and keeps at most
    /// `SQLITE_PAGE_CACHE_KIB` of the file's pages (SQLite's default, said
    /// here: the memory the shop's pages may take on SQLite grows by this
    /// much a connection as the database outgrows it, then stays).
    pub(super) fn pool_options(&self) -> AnyPoolOptions {
        let sqlite = matches!(self, Backend::Sqlite { .. });
        AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute(SQLITE_JOURNAL_MODE).await?;
                        conn.execute(SQLITE_SYNCHRONOUS).await?;
                        conn.execute(AssertSqlSafe(sqlite_cache_size_sql())).await?;
                    }
                    Ok(())
                })
            })
    }

    /// SQLite will not create the folder of its file; we do, so `cargo run`
    /// works on a fresh clone.
    pub(super) fn prepare(&self) -> std::io::Result<()> {
        match self {
            Backend::Sqlite { file: Some(file) } => match file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The URL to look only: a SQLite file opened read-only, never made
    /// (`?mode=rwc` -> `?mode=ro`); a PostgreSQL URL as it is.
    pub(super) fn read_only_url(&self, url: &DatabaseUrl) -> String {
        let url = url.expose();
        if let Backend::Postgres = self {
            return url.to_string();
        }
        let (file, query) = url.split_once('?').unwrap_or((url, ""));
        let mut params: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("mode="))
            .collect();
        params.push("mode=ro");
        format!("{file}?{}", params.join("&"))
    }

    /// The file the database lives in, when it is one.
    pub(crate) fn file(&self) -> Option<&std::path::Path> {
        match self {
            Backend::Sqlite { file } => file.as_deref(),
            Backend::Postgres => None,
        }
    }

    /// A transaction that writes. SQLite is told up front (`BEGIN
    /// IMMEDIATE`) so two writers queue on the lock instead of failing when
    /// a read lock cannot be upgraded; PostgreSQL uses row locks and a
    /// plain `BEGIN`.
    pub(super) async fn begin_write(&self, pool: &Pool) -> sqlx::Result<Tx> {
        match self {
            Backend::Sqlite { .. } => pool.begin_with(SQLITE_BEGIN_WRITE).await,
            Backend::Postgres => pool.begin().await,
        }
    }

    /// Lets one transaction at a time change what belongs to a user:
    /// PostgreSQL locks the user's row until the transaction ends; on
    /// SQLite, [`begin_write`] already admits one writer at a time.
    ///
    /// [`begin_write`]: Backend::begin_write
    pub(super) async fn lock_user(&self, conn: &mut Conn, user_id: UserId) -> sqlx::Result<()> {
        if let Backend::Postgres = self {
            sqlx::query(POSTGRES_LOCK_USER)
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// [`backup`]: a consistent copy taken while the shop runs (SQLite's
    /// `VACUUM INTO`). PostgreSQL has its own tools.
    ///
    /// [`backup`]: Backend::backup
    pub(super) async fn backup(&self, pool: &Pool, target: &str) -> anyhow::Result<()> {
        match self {
            Backend::Sqlite { .. } => {
                sqlx::query(SQLITE_BACKUP)
                    .bind(target.to_string())
                    .execute(pool)
                    .await?;
                Ok(())
            }
            Backend::Postgres => {
                anyhow::bail!("backup copies a SQLite database; for PostgreSQL use pg_dump")
            }
        }
    }
}

/// What a database error means, as far as the shop cares. The error
/// itself says which backend raised it (its driver's type), so this needs
/// no pool: [`AppError`]'s `From<sqlx::Error>` asks it.
///
/// [`AppError`]: crate::data::error::AppError
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The database is away, or cannot take writes just now: try later.
    Unavailable,
    /// A unique constraint, on `table.column` where the backend says.
    Unique { table_column: Option<String> },
    /// The table does not exist (a database no migration has touched).
    NoSuchTable,
    /// Anything else: the shop asked something wrong.
    Other,
}

impl Failure {
    pub(crate) fn of(err: &sqlx::Error) -> Failure {
        use sqlx::Error as E;
        let db = match err {
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => {
                return Failure::Unavailable
            }
            E::Database(db) => db,
            _ => return Failure::Other,
        };
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            postgres(pg)
        } else if let Some(lite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
            sqlite(lite)
        } else {
            Failure::Other
        }
    }

    /// Whether this is a violation of the unique constraint on
    /// `table.column` (a taken email), and not of another one of the same
    /// statement (a primary key, say).
    pub fn violates_unique(err: &sqlx::Error, table: &str, column: &str) -> bool {
        matches!(Failure::of(err), Failure::Unique { table_column: Some(tc) }
            if tc == format!("{table}.{column}"))
    }
}

/// SQLSTATEs: "not now" is a connection exception (08, but not 08P01, a
/// protocol violation: our bug), a server shutting down or starting
/// (57P0x), a full disk (53100), too many connections (53300), a read-only
/// standby (25006). A unique violation (23505) names its constraint: a
/// column declared `UNIQUE` gets `{table}_{column}_key`.
fn postgres(err: &sqlx::postgres::PgDatabaseError) -> Failure {
    let code = err.code();
    if (code.starts_with("08") && code != "08P01")
        || code.starts_with("57P0")
        || matches!(code, "53100" | "53300" | "25006")
    {
        return Failure::Unavailable;
    }
    match code {
        "23505" => {
            let table_column = match (err.table(), err.constraint()) {
                (Some(table), Some(constraint)) => constraint
                    .strip_prefix(&format!("{table}_"))
                    .and_then(|rest| rest.strip_suffix("_key"))
                    .map(|column| format!("{table}.{column}")),
                _ => None,
            };
            Failure::Unique { table_column }
        }
        "42P01" => Failure::NoSuchTable,
        _ => Failure::Other,
    }
}

/// SQLite result codes (the primary code is the low byte): "not now" is
/// BUSY, READONLY, IOERR, FULL or CANTOPEN. A unique violation names its
/// columns in the message ("UNIQUE constraint failed: users.email").
fn sqlite(err: &sqlx::sqlite::SqliteError) -> Failure {
    use sqlx::error::DatabaseError;
    let code: i32 = err.code().and_then(|c| c.parse().ok()).unwrap_or_default();
    if matches!(code & 0xff, 5 | 8 | 10 | 13 | 14) {
        return Failure::Unavailable;
    }
    let message = err.message();
    if let Some(columns) = message.strip_prefix("UNIQUE constraint failed: ") {
        // One column, or "t.a, t.b" for a constraint over several: then it
        // is no single column's.
        let single = !columns.contains(", ");
        return Failure::Unique {
            table_column: single.then(|| columns.to_string()),
        };
    }
    if message.starts_with("no such table") {
        return Failure::NoSuchTable;
    }
    Failure::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(url: &str) -> anyhow::Result<Backend> {
        Backend::of(&DatabaseUrl::new(url))
    }

    #[test]
    fn the_scheme_decides_the_backend_and_a_sqlite_url_names_its_file() {
        assert_eq!(
            backend("sqlite://data/shop.db?mode=rwc").unwrap(),
            Backend::Sqlite {
                file: Some("data/shop.db".into())
            }
        );
        assert_eq!(
            backend("sqlite:////srv/shop.db").unwrap(),
            Backend::Sqlite {
                file: Some("/srv/shop.db".into())
            }
        );
        assert_eq!(
            backend("sqlite::memory:").unwrap(),
            Backend::Sqlite { file: None }
        );
        assert_eq!(backend("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(backend("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = backend("mysql://shop:hunter2@db/shop")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("DATABASE_URL must start with"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn looking_only_opens_a_sqlite_file_read_only() {
        let url = DatabaseUrl::new("sqlite://data/shop.db?mode=rwc&cache=shared");
        let lite = Backend::of(&url).unwrap();
        assert_eq!(
            lite.read_only_url(&url),
            "sqlite://data/shop.db?cache=shared&mode=ro"
        );
        let pg = DatabaseUrl::new("postgres://u@h/db");
        assert_eq!(Backend::Postgres.read_only_url(&pg), "postgres://u@h/db");
    }
}
