//! Layer 3: the use cases, each one call and, when it writes more than one
//! row, one transaction; and what they run on (the hasher, the mailer, the
//! application state). None renders a page, reads a request or knows where
//! a session is kept.

/// Checking a login, logging in and out, passwords, throttling, links.
pub mod auth;
/// The cart, guest or account, and the merge at login.
pub mod cart;
/// Checkout: a cart becomes an order in one transaction.
pub(crate) mod checkout;
/// Periodic deletion of ended sessions and old throttle counters.
pub mod housekeeping;
/// Mail: letters, the outbox they are queued in, the worker that sends
/// them.
pub mod mail;
/// Password hashing (argon2id) off the executor, a few at a time.
mod password;
/// What a visitor keeps about themselves: preferences, a display name.
pub(crate) mod profile;
/// The application state every service and handler takes.
pub mod state;
