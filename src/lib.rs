//! Cookie Jar: a web shop that shows how cookie-backed sessions are done
//! right. The modules are listed in reading order, bottom-up, one layer
//! after another: a module imports only modules of its own layer or of the
//! layers listed before it, and nothing imports in a circle
//! (`tests/layers.rs` checks both, reading the headings below). (rustfmt sorts
//! `mod` lines within a group, so the modules of a layer are sorted by
//! name, in groups where one must come first.) docs/ARCHITECTURE.md draws
//! the layers, follows a request through them, and says where each rule
//! lives.

// ---- 1. Pure: types and rules, no I/O beyond the clock and the RNG ------

/// Client IP address and user agent, and how to name a browser.
pub mod client;
/// "Now", movable in tests.
pub mod clock;
/// Settings from the environment, each declared once, validated once;
/// secrets redact themselves.
pub mod config;
/// Random ids and tokens; the session id that never prints itself.
pub mod ids;
/// Preferences: `Theme`, `PageSize`, and a guest's choices.
pub mod prefs;
/// Money, times and lengths of time, written for people.
pub mod present;
/// Input rules: email, display name, password, local redirect paths.
pub mod validate;

// ---- 2. Data: the database, its errors and its SQL ---------------------

/// Pool, migrations, transactions; `db::Backend`, where SQLite and
/// PostgreSQL differ.
pub mod db;
/// The one error type and what each error answers (a database error as
/// `db::Failure` classifies it).
pub mod error;
/// SQL, one module per table group, nothing web.
pub mod repo;

// ---- 3. Services: the hasher, the session, then the use cases, one call each

/// Password hashing (argon2id) off the executor, a few at a time.
pub mod password;

/// Mail: letters, the outbox they are queued in, the worker that sends
/// them.
pub mod mail;

/// The application state every service and handler takes.
pub mod state;

/// The session state: a plain value the use cases read and return.
pub mod session;

/// Checking a login, logging in and out, passwords, throttling.
pub mod auth;
/// The cart, guest or account, and the merge at login.
pub mod cart;
/// Checkout: a cart becomes an order in one transaction.
pub mod checkout;
/// Periodic deletion of ended sessions and old throttle counters.
pub mod housekeeping;
/// What a visitor keeps about themselves: preferences.
pub mod profile;

// ---- 4. Web glue: extractors, CSRF, pages, errors, static files -------

/// Visitor, CSRF, forms, page layout, error pages, headers, assets.
pub mod web;

// ---- 5. Handlers: the route table and one module per resource ---------

/// The route table and its handlers.
pub mod routes;

// ---- 6. Top: putting it together ---------------------------------------

/// The command line's subcommands (`main.rs` parses it).
pub mod cli;
/// `Application::build`: database, middleware, routes, listener.
pub mod startup;
