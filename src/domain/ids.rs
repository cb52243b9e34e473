//! Random values and the types that carry them: session ids, CSRF tokens,
//! public session handles and row ids. All come from the operating system's
//! CSPRNG (`rand::rngs::SysRng`).

use std::fmt;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use blake2::{Blake2s256, Digest};
use rand::{rand_core::UnwrapErr, rngs::SysRng, RngExt, TryRng};
use serde::{Deserialize, Serialize};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's RNG works");
    bytes
}

/// 128 random bits, URL-safe: public session handles.
pub fn token128() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// 256 random bits, URL-safe: CSRF tokens.
pub fn token256() -> String {
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

/// The secret id of a session: 128 random bits, new at every login. It
/// travels inside the session state (sealed in the cookie, or in a
/// server-side store's entry) and names the `logins` row, which keeps it
/// as its key: alone it opens nothing, as a cookie must be sealed under
/// `SESSION_SECRET` (or name a store's entry) to carry it.
///
/// Whoever knows it could pose as the session, so it has no `Display`, its
/// `Debug` prints nothing of it, and pages show only its `fingerprint`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub fn random() -> Self {
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
    pub fn digest(&self) -> String {
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
}
