//! The database: one [`sqlx::AnyPool`] that is SQLite or PostgreSQL depending on
//! `DATABASE_URL`, migrations embedded in the binary and run at start-up (the
//! catalog seed is one of them), transactions, and the few helpers every
//! repo shares. What differs between the two is [`backend::Backend`]'s, and
//! what a database error means is [`backend::Failure`]'s.
//!
//! [`backend::Backend`]: crate::data::db::Backend
//! [`backend::Failure`]: crate::data::db::Failure

mod backend;

use std::time::Duration;

use sqlx::{
    any::{install_default_drivers, AnyPoolOptions, AnyRow},
    AnyConnection, AnyPool, Executor, Row,
};

/// The statements only one backend runs, for the registry
/// ([`data::repo::statements`]).
///
/// [`data::repo::statements`]: crate::data::repo::statements
pub(crate) use backend::{
    sqlite_cache_size_sql, POSTGRES_LOCK_USER, SQLITE_BACKUP, SQLITE_BEGIN_WRITE,
    SQLITE_JOURNAL_MODE, SQLITE_SYNCHRONOUS,
};
// `data::db::Backend` is its name in the docs (docs/ARCHITECTURE.md).
pub(crate) use backend::Backend;
pub use backend::{Failure, SQLITE_PAGE_CACHE_KIB};

use crate::domain::{config::DatabaseUrl, ids::UserId};

pub type Pool = AnyPool;
/// A transaction; `&mut *tx` is a connection every repo function takes.
pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;
/// One connection (inside a transaction, usually).
pub(crate) type Conn = AnyConnection;

/// What a repo function runs its statement on: the pool, or a connection
/// inside a transaction (`&mut *tx`), so the caller decides.
pub trait Db<'c>: Executor<'c, Database = sqlx::Any> {}

impl<'c, T: Executor<'c, Database = sqlx::Any>> Db<'c> for T {}

/// The migrations in `migrations/`, embedded at build time; [`connect`] runs
/// those a database has not had yet.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database: its pool, and the [`Backend`] that knows what differs
/// between SQLite and PostgreSQL, decided when it was opened.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: Pool,
    backend: Backend,
}

/// The pool, with the migrations not yet applied applied. A database that
/// has them all is only read, so the shop also starts on one it may not
/// write (a read-only file or standby): it shows pages and refuses changes.
pub async fn connect(database_url: &DatabaseUrl) -> anyhow::Result<Database> {
    let db = open(database_url).await?;
    if !db.migrations_up_to_date().await? {
        MIGRATIONS.run(&db.pool).await?;
    }
    Ok(db)
}

/// The database as it is; a SQLite file is made if it is missing.
pub async fn open(database_url: &DatabaseUrl) -> anyhow::Result<Database> {
    install_default_drivers();
    let backend = Backend::of(database_url)?;
    backend.prepare()?;
    let pool = backend
        .pool_options()
        .acquire_timeout(Duration::from_secs(5))
        // No ping before each use: it is one more round trip per query, and
        // a connection that broke fails its query, which then fails the
        // request with a clear error (the pool drops the connection).
        .test_before_acquire(false)
        .connect(database_url.expose())
        .await?;
    Ok(Database { pool, backend })
}

/// The database for looking only (`cookie-jar check-config`, `backup`): a
/// SQLite file is opened read-only, never made, and its journal left as it
/// is; a database that is not there is an error.
pub(crate) async fn open_read_only(database_url: &DatabaseUrl) -> anyhow::Result<Database> {
    install_default_drivers();
    let backend = Backend::of(database_url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&backend.read_only_url(database_url))
        .await?;
    Ok(Database { pool, backend })
}

/// Which file a path names now (device and inode), or `None` when there
/// is none: a file deleted or replaced under the shop answers differently.
pub(crate) fn file_identity(path: &std::path::Path) -> Option<(u64, u64)> {
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

impl Database {
    /// Starts a transaction that writes (see [`Backend::begin_write`]).
    pub(crate) async fn begin_write(&self) -> sqlx::Result<Tx> {
        self.backend.begin_write(&self.pool).await
    }

    /// Lets one transaction at a time change what belongs to a user (the
    /// cart and its 50-line limit), until `conn`'s transaction ends.
    pub(crate) async fn lock_user(&self, conn: &mut Conn, user_id: UserId) -> sqlx::Result<()> {
        self.backend.lock_user(conn, user_id).await
    }

    /// The file the database lives in, when it is one (SQLite): the one
    /// [`services::housekeeping::watch_sqlite_file`] watches.
    ///
    /// [`services::housekeeping::watch_sqlite_file`]: crate::services::housekeeping::watch_sqlite_file
    pub(crate) fn file(&self) -> Option<&std::path::Path> {
        self.backend.file()
    }

    /// A consistent copy of the database in the new file `target`, taken
    /// while the shop runs; refused on a backend that has its own tools.
    pub(crate) async fn backup(&self, target: &str) -> anyhow::Result<()> {
        self.backend.backup(&self.pool, target).await
    }

    /// One round trip, for the health check.
    pub(crate) async fn ping(&self) -> sqlx::Result<()> {
        ping(&self.pool).await
    }

    /// How many of [`MIGRATIONS`] the database has had (the same version
    /// with the same checksum), and how many there are.
    pub(crate) async fn migrations_applied(&self) -> sqlx::Result<(usize, usize)> {
        let applied = applied_migrations(&self.pool).await?;
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

    /// Whether the database has exactly [`MIGRATIONS`], no fewer, none
    /// changed, none the binary does not know (a newer binary's): then
    /// [`connect`] need not run them, and only reads. Anything else goes to
    /// sqlx's migrator, which applies what is missing or says what does
    /// not match.
    async fn migrations_up_to_date(&self) -> sqlx::Result<bool> {
        let applied = applied_migrations(&self.pool).await?;
        let (done, known) = self.migrations_applied().await?;
        Ok(done == known && applied.len() == known)
    }
}

/// [`applied_migrations`]' statement.
pub(crate) const APPLIED_MIGRATIONS: &str =
    "SELECT version, checksum FROM _sqlx_migrations WHERE success";

/// The migrations the database records as applied: version and checksum.
async fn applied_migrations(pool: &Pool) -> sqlx::Result<Vec<(i64, Vec<u8>)>> {
    let applied = sqlx::query_as(APPLIED_MIGRATIONS).fetch_all(pool).await;
    match applied {
        Ok(rows) => Ok(rows),
        // No table yet: a database no migration has touched. Any other
        // error is an error.
        Err(e) if Failure::of(&e) == Failure::NoSuchTable => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// [`ping`]'s statement.
pub(crate) const PING: &str = "SELECT 1";

/// One round trip on `pool`.
pub(crate) async fn ping(pool: &Pool) -> sqlx::Result<()> {
    sqlx::query(PING).execute(pool).await.map(|_| ())
}

/// A 0/1 integer column as a `bool` (the schema stores flags as integers,
/// the one boolean both databases read the same way).
pub(crate) fn flag(row: &AnyRow, column: &str) -> sqlx::Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}
