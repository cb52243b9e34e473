//! Random values: session ids, CSRF tokens, public handles and row ids.
//! All come from the operating system's CSPRNG (`rand::rngs::OsRng`).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, Rng, RngCore};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// 128 random bits, URL-safe: session ids and public session handles.
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
    OsRng.gen_range(1..(1i64 << 53))
}
