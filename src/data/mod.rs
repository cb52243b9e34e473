//! Layer 2: the database, its errors and its SQL. Nothing here knows of
//! sessions' stores, pages or requests.

/// Pool, migrations, transactions; [`db::Backend`], where SQLite and
/// PostgreSQL differ.
pub mod db;
/// The one error type (a database error as [`db::Failure`] classifies it).
pub mod error;
/// SQL, one module per table group, nothing web.
pub mod repo;
