//! Cookie Jar: a web shop that shows how cookie-backed sessions are done
//! right. The folders of `src/` are its layers, listed here in reading
//! order, bottom-up: a module imports only modules of its own layer or of
//! the layers below it (`tests/layers.rs` checks it, and that nothing
//! imports in a circle). docs/ARCHITECTURE.md draws the layers, follows a
//! request through them, and says where each rule lives. (`rustfmt.toml`
//! keeps rustfmt from sorting them by name.)

/// 1. Types and rules, no I/O beyond the clock and the RNG.
pub mod domain;
/// 2. The database, its errors and its SQL.
pub mod data;
/// 3. The use cases, one call each, and what they run on.
pub mod services;
/// 4. The web glue: the session's way from the cookie to its store and
///    back, extractors, CSRF, pages, errors, static files.
pub mod web;
/// 5. The route table and its handlers.
pub mod routes;
/// 6. Putting it together: the application and the command line.
pub mod app;
