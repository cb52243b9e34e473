//! Secrets the shop must be able to read back (a TOTP secret), kept
//! encrypted: a copy of the database, or of a server-side session store,
//! gives none of them. Sealed with AES-256-GCM under a key derived from
//! `SESSION_SECRET`, bound to the account they belong to (a sealed value
//! moved to another account's row does not open), and labelled with the
//! key that sealed them, so that during a key rotation (`SESSION_SECRET_PREVIOUS`)
//! what an old key sealed still opens, and is sealed again under the new
//! one ([`Opened::stale`]).
//!
//! [`Opened::stale`]: crate::domain::sealed::Opened::stale

use aes_gcm::{
    aead::{Aead, Payload},
    Aes256Gcm, KeyInit as _, Nonce,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::{config::SessionSecret, ids};

/// What the derived key is for: a key derived for one purpose is useless
/// for any other (the cookie's own keys are derived by actix from the same
/// secret, for theirs).
const PURPOSE: &[u8] = b"cookie-jar: secrets at rest, v1";

/// One key: its cipher, and the short name a sealed value carries.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn derive(secret: &SessionSecret) -> Key {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret.0)
            .expect("HMAC takes a key of any length");
        mac.update(PURPOSE);
        let key = mac.finalize().into_bytes();
        Key {
            // Names the key, and gives nothing of it away.
            id: ids::digest(&URL_SAFE_NO_PAD.encode(key))[..8].to_string(),
            cipher: Aes256Gcm::new_from_slice(&key).expect("32 bytes make an AES-256 key"),
        }
    }
}

/// The keys that seal and open secrets at rest: the current one, and the
/// ones still accepted during a rotation.
#[derive(Clone)]
pub(crate) struct Sealer {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// A secret opened, and whether an old key sealed it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Opened {
    pub(crate) bytes: Vec<u8>,
    /// Sealed by a previous key: seal it again with [`Sealer::seal`].
    pub(crate) stale: bool,
}

impl Sealer {
    pub(crate) fn new(current: &SessionSecret, previous: &[SessionSecret]) -> Sealer {
        Sealer {
            current: Key::derive(current),
            previous: previous.iter().map(Key::derive).collect(),
        }
    }

    /// `bytes`, sealed for `owner` (an account's id, as text): `key.nonce.ciphertext`.
    pub(crate) fn seal(&self, bytes: &[u8], owner: &str) -> String {
        let nonce = ids::random_bytes::<12>();
        let payload = Payload {
            msg: bytes,
            aad: owner.as_bytes(),
        };
        let sealed = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM seals any message of this size");
        format!(
            "{}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    /// What `sealed` holds, if one of the keys sealed it for `owner` and
    /// nothing was changed; `None` otherwise (a key since dropped, another
    /// account's value, a tampered one).
    pub(crate) fn open(&self, sealed: &str, owner: &str) -> Option<Opened> {
        let mut parts = sealed.split('.');
        let (key_id, nonce, body) = (parts.next()?, parts.next()?, parts.next()?);
        let nonce: [u8; 12] = URL_SAFE_NO_PAD.decode(nonce).ok()?.try_into().ok()?;
        let body = URL_SAFE_NO_PAD.decode(body).ok()?;
        let keys = std::iter::once(&self.current).chain(&self.previous);
        let key = keys.into_iter().find(|key| key.id == key_id)?;
        let payload = Payload {
            msg: &body,
            aad: owner.as_bytes(),
        };
        let bytes = key
            .cipher
            .decrypt(Nonce::from_slice(&nonce), payload)
            .ok()?;
        Some(Opened {
            bytes,
            stale: key.id != self.current.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(byte: u8) -> SessionSecret {
        SessionSecret([byte; 64])
    }

    #[test]
    fn a_sealed_secret_opens_for_its_owner_only_and_hides_its_bytes() {
        let sealer = Sealer::new(&secret(1), &[]);
        let sealed = sealer.seal(b"a totp secret", "42");
        assert!(!sealed.contains("a totp secret"));
        assert_ne!(
            sealed,
            sealer.seal(b"a totp secret", "42"),
            "a new nonce each time"
        );
        let opened = sealer.open(&sealed, "42").unwrap();
        assert_eq!(
            (opened.bytes.as_slice(), opened.stale),
            (&b"a totp secret"[..], false)
        );
        assert_eq!(sealer.open(&sealed, "43"), None, "another account's row");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer.open(&tampered, "42"), None);
        assert_eq!(sealer.open("not.sealed", "42"), None);
    }

    #[test]
    fn during_a_rotation_the_old_key_opens_what_it_sealed_as_stale_and_then_nothing() {
        let old = Sealer::new(&secret(1), &[]);
        let sealed = old.seal(b"s", "7");
        let rotating = Sealer::new(&secret(2), &[secret(1)]);
        assert_eq!(rotating.open(&sealed, "7").map(|o| o.stale), Some(true));
        let resealed = rotating.seal(b"s", "7");
        assert_eq!(rotating.open(&resealed, "7").map(|o| o.stale), Some(false));
        let rotated = Sealer::new(&secret(2), &[]);
        assert_eq!(rotated.open(&sealed, "7"), None);
        assert!(rotated.open(&resealed, "7").is_some());
    }
}
