//! Cookie Jar: a web shop that shows how cookie-backed sessions are done
//! right. Read the modules in this order:

/// Visitor / CurrentUser extractors, login and logout, hashing, throttling.
pub mod auth;
/// The cart, guest or user, and the merge at login.
pub mod cart;
/// Client IP and user agent.
pub mod client;
/// "Now", movable in tests.
pub mod clock;
/// Settings from the environment, validated once.
pub mod config;
/// CSRF: the checked `Form` extractor every POST handler uses.
pub mod csrf;
/// Pool, migrations, transactions.
pub mod db;
/// The one error type; every error is a rendered page.
pub mod errors;
/// Random ids and tokens.
pub mod ids;
/// Layout context, rendering helpers and template filters.
pub mod page;
/// SQL, one module per table group.
pub mod repo;
/// The route table and one module per resource.
pub mod routes;
/// Security headers.
pub mod security;
/// The typed session: what the encrypted cookie holds.
pub mod session;
/// `Application::build`: database, middleware, routes, listener.
pub mod startup;
/// Input rules: email, display name, password.
pub mod validate;
