//! Layer 1: types and rules, no I/O beyond the clock and the RNG. Every
//! other layer may use these; these use nothing above them.

/// The cart's limits: how much a line, and a cart, may hold.
pub mod cart;
/// Client IP address and user agent, and how to name a browser.
pub mod client;
/// "Now", movable in tests.
pub mod clock;
/// Settings from the environment, each declared once, validated once;
/// secrets redact themselves.
pub mod config;
/// Random ids and tokens; the session id that never prints itself; the
/// ids of users, products and orders.
pub mod ids;
/// Preferences: [`Theme`], [`PageSize`], and a guest's choices.
///
/// [`Theme`]: crate::domain::prefs::Theme
/// [`PageSize`]: crate::domain::prefs::PageSize
pub mod prefs;
/// Money, times and lengths of time, written for people.
pub(crate) mod present;
/// Secrets kept encrypted, under keys derived from `SESSION_SECRET`.
pub(crate) mod sealed;
/// The session state: a plain value the use cases read and change.
pub mod session;
/// The second factor's rules: TOTP codes and recovery codes.
pub(crate) mod totp;
/// A URL as `Origin` and `Referer` send it: its origin, host and path.
pub(crate) mod url;
/// Input rules: email, display name, password, local redirect paths.
pub mod validate;
