//! SQL, and only here: one file per group of tables. Nothing in [`repo`]
//! knows about HTTP, sessions or pages; every function takes the pool or a
//! connection inside a transaction (`&mut *tx`) and the plain values it
//! needs. Every query is portable between SQLite and PostgreSQL (`$N`
//! placeholders, integer time and money, 0/1 flags).

pub(crate) mod cart;
pub(crate) mod events;
pub mod logins;
pub(crate) mod orders;
pub mod outbox;
pub(crate) mod passkeys;
pub mod products;
pub(crate) mod rate_limit;
pub(crate) mod session_store;
/// Every statement above (and [`data::db`]'s), by name, with the Rust types
/// its columns are read into: what `tests/statements.rs` proves.
///
/// [`data::db`]: crate::data::db
pub mod statements;
pub(crate) mod tokens;
pub(crate) mod two_factor;
pub mod users;
