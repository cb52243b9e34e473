//! What the server-side stores ([`database`], [`redis`]) and the adapter
//! over them ([`store`]) share: an entry's key, and what a comparison
//! found. It sits below all three, so that they import it and not each
//! other.
//!
//! [`database`]: crate::web::session::database
//! [`redis`]: crate::web::session::redis
//! [`store`]: crate::web::session::store

use std::fmt;

use crate::domain::ids;

/// The key of a server-side entry: 256 random bits, which the cookie
/// carries sealed. As good as the session itself, so it never prints
/// itself, and the database keeps only its digest.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey(String);

impl StoreKey {
    pub(super) fn random() -> StoreKey {
        StoreKey(ids::token256())
    }

    /// The key as a cookie carries it; `None` for a value that cannot be
    /// one of ours (checked before any store is asked): 43 characters of
    /// base64url, or the 64 alphanumerics of the release before (whose
    /// keys, actix-session's, are still in its stores).
    pub(super) fn parse(value: String) -> Option<StoreKey> {
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        let ours = match value.len() {
            43 => value.bytes().all(base64url),
            64 => value.bytes().all(|b| b.is_ascii_alphanumeric()),
            _ => false,
        };
        ours.then_some(StoreKey(value))
    }

    /// The key itself, for the cookie and the store only.
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

/// What a store's comparison found, in the store's own terms (JSON).
pub(super) enum Compared {
    /// The entry held what was expected: the change is made.
    AsExpected,
    /// It holds this instead; nothing was changed.
    Holds(String),
    /// There is no entry.
    Gone,
}
