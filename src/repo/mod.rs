//! SQL, and only here: one file per group of tables. Handlers call these
//! functions; no query string appears anywhere else. Every query is portable
//! between SQLite and PostgreSQL (`$N` placeholders, integer time and money).

pub mod cart;
pub mod events;
pub mod orders;
pub mod products;
pub mod rate_limit;
pub mod sessions;
pub mod users;
