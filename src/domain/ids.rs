//! Random values and the types that carry them: session ids, CSRF tokens,
//! public session handles and row ids. All come from the operating system's
//! CSPRNG ([`rand::rngs::SysRng`]). And the ids of the rows that cross the
//! layers ([`UserId`], [`ProductId`], [`OrderId`]): each its own type, so one is
//! never passed for another. They bind and read as the `i64` they wrap
//! ([`sqlx::Type`], transparent) and serialize as it (a session state or a
//! note written with a bare number still reads).
//!
//! [`UserId`]: crate::domain::ids::UserId
//! [`ProductId`]: crate::domain::ids::ProductId
//! [`OrderId`]: crate::domain::ids::OrderId

use std::fmt;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use blake2::{Blake2s256, Digest};
use rand::{rand_core::UnwrapErr, rngs::SysRng, RngExt, TryRng};
use serde::{Deserialize, Serialize};

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's RNG works");
    bytes
}

/// 128 random bits, URL-safe: public session handles.
pub(crate) fn token128() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// 256 random bits, URL-safe: CSRF tokens.
pub(crate) fn token256() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A row id for users, orders and events: a random positive integer below
/// 2^53, so it is portable (no AUTOINCREMENT vs IDENTITY), fits JavaScript
/// numbers, and an order number says nothing about other orders.
pub fn row_id() -> i64 {
    // `UnwrapErr`: the OS generator is fallible; failing is not an option.
    UnwrapErr(SysRng).random_range(1..(1i64 << 53))
}

/// A one-way digest of a secret (a session store's key, a mailed link, a
/// guest session's id), as hex: what the database keeps instead of the
/// secret where a copy of a table must hand out nothing usable.
pub fn digest(secret: &str) -> String {
    Blake2s256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The id of an account (`users.id`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UserId(i64);

impl UserId {
    pub const fn new(id: i64) -> UserId {
        UserId(id)
    }

    /// The number it wraps (a passkey's user handle is made of it).
    pub(crate) const fn get(self) -> i64 {
        self.0
    }

    /// A new account's id ([`row_id`]).
    pub(crate) fn random() -> UserId {
        UserId(row_id())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of a product (`products.id`), as forms and addresses carry it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct ProductId(i64);

impl ProductId {
    pub const fn new(id: i64) -> ProductId {
        ProductId(id)
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of an order (`orders.id`), which is also its number on pages.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub(crate) struct OrderId(i64);

impl OrderId {
    /// A new order's id ([`row_id`]): its number says nothing of others.
    pub(crate) fn random() -> OrderId {
        OrderId(row_id())
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The secret id of a session: 128 random bits, new at every login. It
/// travels inside the session state (sealed in the cookie, or in a
/// server-side store's entry) and names the `logins` row, which keeps it
/// as its key: alone it opens nothing, as a cookie must be sealed under
/// `SESSION_SECRET` (or name a store's entry) to carry it.
///
/// Whoever knows it could pose as the session, so it has no `Display`, its
/// `Debug` prints nothing of it, and pages show only its [`fingerprint`].
///
/// [`fingerprint`]: SessionId::fingerprint
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub(crate) fn random() -> Self {
        SessionId(token128())
    }

    /// The id itself, for the database and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A one-way digest of the id, short enough to read: it changes when
    /// the id changes, and tells nothing about the id.
    pub fn fingerprint(&self) -> String {
        digest(&self.0)[..10].to_string()
    }

    /// The id's whole digest, for records that must name a session without
    /// holding its secret (`guest_merges`).
    pub(crate) fn digest(&self) -> String {
        digest(&self.0)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_never_prints_itself() {
        let id = SessionId::random();
        assert_eq!(format!("{id:?}"), "SessionId(..)");
        assert_eq!(id.fingerprint().len(), 10);
        assert!(!id.expose().contains(&id.fingerprint()));
        assert_ne!(id.fingerprint(), SessionId::random().fingerprint());
    }

    #[test]
    fn a_row_id_is_written_and_printed_as_its_bare_number() {
        let user = UserId::new(42);
        assert_eq!(serde_json::to_string(&Some(user)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<UserId>("42").unwrap(), user);
        assert_eq!(ProductId::new(7).to_string(), "7");
        let order: OrderId = serde_json::from_str("123").unwrap();
        assert_eq!(order.to_string(), "123");
    }
}
