//! An authenticator app, as tests need one: the code a base32 secret
//! gives at a Unix time (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps).
//! Written here from the RFC, apart from the shop's own, so a test checks
//! the shop against what a real app computes.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The six digits an app shows for `secret` at `unix_time`.
pub fn code(secret_base32: &str, unix_time: i64) -> String {
    let key = BASE32_NOPAD
        .decode(secret_base32.as_bytes())
        .expect("the page shows base32");
    let counter = (unix_time / 30) as u64;
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let number = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    format!("{:06}", number % 1_000_000)
}
