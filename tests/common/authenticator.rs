//! A software passkey, as a phone would answer the shop's ceremonies, so
//! the HTTP suite can add one and sign in with it on every store and both
//! databases (the browser suite uses Chromium's virtual authenticator). An
//! ES256 key pair, "none" attestation, user presence and verification, and
//! a signature counter that stays at 0, as synced passkeys keep it (so
//! nothing but the shop's own rules stops an answer sent twice). Written
//! from the WebAuthn specification: CBOR by hand, for the few shapes it
//! needs.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    /// The account's handle, from the options it was added with.
    user_handle: Option<String>,
    origin: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// CBOR: a major type and a length (or a small value).
fn head(major: u8, len: usize, out: &mut Vec<u8>) {
    let major = major << 5;
    match len {
        0..=23 => out.push(major | len as u8),
        24..=255 => out.extend([major | 24, len as u8]),
        _ => {
            out.push(major | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn text(s: &str, out: &mut Vec<u8>) {
    head(3, s.len(), out);
    out.extend(s.as_bytes());
}

fn bytes(b: &[u8], out: &mut Vec<u8>) {
    head(2, b.len(), out);
    out.extend(b);
}

/// A small integer, positive or negative.
fn int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        head(0, i as usize, out);
    } else {
        head(1, (-1 - i) as usize, out);
    }
}

/// An ECDSA signature as DER, from its r and s.
fn der(signature: &Signature) -> Vec<u8> {
    let raw = signature.to_bytes();
    let integer = |half: &[u8]| {
        let trimmed: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        let mut value = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            Vec::new()
        };
        value.extend(trimmed);
        let mut out = vec![0x02, value.len() as u8];
        out.extend(value);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

impl Authenticator {
    /// A new passkey, for the shop served at `address` (its relying party
    /// is `localhost` on that port).
    pub fn new(address: &str, seed: u8) -> Authenticator {
        let secret = Sha256::digest([seed, 42]);
        Authenticator {
            key: SigningKey::from_slice(&secret).expect("a P-256 key"),
            credential_id: Sha256::digest([seed, 7]).to_vec(),
            user_handle: None,
            origin: address.replace("127.0.0.1", "localhost"),
        }
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(b"localhost").to_vec();
        // User present and verified; with a credential when attested.
        data.push(if attested { 0x45 } else { 0x05 });
        data.extend(0u32.to_be_bytes());
        if attested {
            data.extend([0u8; 16]);
            data.extend((self.credential_id.len() as u16).to_be_bytes());
            data.extend(&self.credential_id);
            let point = self.key.verifying_key().to_sec1_point(false);
            let point = point.as_bytes();
            let mut cose = Vec::new();
            head(5, 5, &mut cose);
            int(1, &mut cose);
            int(2, &mut cose); // kty: EC2
            int(3, &mut cose);
            int(-7, &mut cose); // alg: ES256
            int(-1, &mut cose);
            int(1, &mut cose); // crv: P-256
            int(-2, &mut cose);
            bytes(&point[1..33], &mut cose);
            int(-3, &mut cose);
            bytes(&point[33..65], &mut cose);
            data.extend(cose);
        }
        data
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        json!({
            "type": kind,
            "challenge": options["publicKey"]["challenge"],
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// The answer to `/passkeys/register/options`' options.
    pub fn create(&mut self, options: &Value) -> Value {
        self.user_handle = options["publicKey"]["user"]["id"]
            .as_str()
            .map(str::to_string);
        let mut attestation = Vec::new();
        head(5, 3, &mut attestation);
        text("fmt", &mut attestation);
        text("none", &mut attestation);
        text("attStmt", &mut attestation);
        head(5, 0, &mut attestation);
        text("authData", &mut attestation);
        bytes(&self.auth_data(true), &mut attestation);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&self.client_data("webauthn.create", options)),
            },
            "extensions": {},
        })
    }

    /// The answer to a sign-in's (or a confirmation's) options.
    pub fn get(&self, options: &Value) -> Value {
        let auth_data = self.auth_data(false);
        let client_data = self.client_data("webauthn.get", options);
        let signed = [auth_data.clone(), Sha256::digest(&client_data).to_vec()].concat();
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&der(&signature)),
                "userHandle": self.user_handle,
            },
            "extensions": {},
        })
    }
}
