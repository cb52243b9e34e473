//! The second factor's rules: time-based one-time passwords (TOTP, RFC 6238,
//! as every authenticator app reads them: HMAC-SHA-1, 6 digits, 30-second
//! steps, a base32 secret) and the single-use recovery codes that stand in
//! for the app when the phone is lost. Pure: the secret comes in, a time
//! comes in, a yes or no comes out. Where the secret is kept, and the rule
//! that a code works once, belong to [`services::auth::two_factor`].
//!
//! [`services::auth::two_factor`]: crate::services::auth::two_factor

use std::fmt;

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::domain::ids;

/// Seconds per step: a code changes every 30 seconds.
pub(crate) const STEP: i64 = 30;

/// Digits in a code.
const DIGITS: u32 = 6;

/// Steps either side of now that a code may come from: a phone's clock a
/// little off, or a code typed just as it changed.
const WINDOW: i64 = 1;

/// How many recovery codes a set holds.
pub(crate) const RECOVERY_CODES: usize = 10;

/// A TOTP secret: 160 random bits (RFC 4226's recommended length). Its
/// `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct TotpSecret([u8; 20]);

impl TotpSecret {
    /// A new random secret.
    pub(crate) fn generate() -> TotpSecret {
        TotpSecret(ids::random_bytes())
    }

    /// The secret from its bytes (as [`as_bytes`] gave them); `None` when
    /// they are not a secret's.
    ///
    /// [`as_bytes`]: TotpSecret::as_bytes
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<TotpSecret> {
        Some(TotpSecret(bytes.try_into().ok()?))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// As a person types it into an app: base32, no padding, no spaces.
    pub(crate) fn base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    /// The `otpauth://` URI a QR code carries: the app reads the secret, the
    /// issuer and the account's name from it (Google Authenticator's "Key
    /// Uri Format", which every app follows).
    pub(crate) fn uri(&self, issuer: &str, account: &str) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let label = format!("{issuer}:{account}");
        let label = utf8_percent_encode(&label, NON_ALPHANUMERIC);
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC);
        format!(
            "otpauth://totp/{label}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
            self.base32()
        )
    }

    /// The code of time step `step` (RFC 4226's HOTP of the step count).
    pub(crate) fn code_at(&self, step: i64) -> u32 {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(&step.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        // Dynamic truncation: four bytes from the offset the last nibble
        // names, without the sign bit.
        let offset = usize::from(hash[hash.len() - 1] & 0x0f);
        let bytes = [
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ];
        u32::from_be_bytes(bytes) % 10u32.pow(DIGITS)
    }

    /// The step `typed` is the code of: one within [`WINDOW`] of `now`'s
    /// step and later than `used`, the last step a code was accepted for
    /// (a code works once, and nothing older than what was used works).
    /// The newest such step, if the code matches more than one.
    pub(crate) fn matching_step(&self, typed: &str, now: i64, used: i64) -> Option<i64> {
        let code = parse_code(typed)?;
        let current = step_of(now);
        (current - WINDOW..=current + WINDOW)
            .rev()
            .filter(|&step| step > used)
            .find(|&step| constant_time_eq(self.code_at(step), code))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// The time step of Unix second `now`.
pub(crate) fn step_of(now: i64) -> i64 {
    now.div_euclid(STEP)
}

/// A code as typed: six digits, spaces allowed ("123 456", as apps show
/// it).
fn parse_code(typed: &str) -> Option<u32> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn constant_time_eq(a: u32, b: u32) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(&b).into()
}

/// Whether `typed` looks like a TOTP code (digits) rather than a recovery
/// code: the second step takes either in one field.
pub(crate) fn is_totp_code(typed: &str) -> bool {
    parse_code(typed).is_some()
}

/// A recovery code: 80 random bits, shown as four groups of four base32
/// letters and digits (`abcd-efgh-ijkl-mnop`). Its `Debug` prints nothing
/// of it; the database keeps only its [`digest`].
///
/// [`digest`]: RecoveryCode::digest
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RecoveryCode(String);

impl RecoveryCode {
    /// A new set of [`RECOVERY_CODES`] codes.
    pub(crate) fn new_set() -> Vec<RecoveryCode> {
        (0..RECOVERY_CODES)
            .map(|_| {
                let letters = BASE32_NOPAD
                    .encode(&ids::random_bytes::<10>())
                    .to_ascii_lowercase();
                let groups: Vec<&str> = (0..4).map(|i| &letters[i * 4..i * 4 + 4]).collect();
                RecoveryCode(groups.join("-"))
            })
            .collect()
    }

    /// A code as a customer typed it: case, spaces and dashes do not
    /// matter. `None` when it cannot be one.
    pub(crate) fn parse(typed: &str) -> Option<RecoveryCode> {
        let letters: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let alphabet = |c: char| c.is_ascii_lowercase() || ('2'..='7').contains(&c);
        if letters.len() != 16 || !letters.chars().all(alphabet) {
            return None;
        }
        let groups: Vec<&str> = (0..4).map(|i| &letters[i * 4..i * 4 + 4]).collect();
        Some(RecoveryCode(groups.join("-")))
    }

    /// As shown to the customer, once.
    pub(crate) fn shown(&self) -> &str {
        &self.0
    }

    /// What the database keeps: a digest (the code has 80 random bits, so
    /// a fast digest is enough; there is nothing to guess from it).
    pub(crate) fn digest(&self) -> String {
        ids::digest(&self.0)
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's test secret for SHA-1 (appendix B), "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret(*b"12345678901234567890")
    }

    #[test]
    fn codes_are_the_last_six_digits_of_rfc_6238s_test_vectors() {
        // Appendix B lists 8 digits; an app shows the last 6.
        for (time, eight) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(
                rfc_secret().code_at(step_of(time)),
                eight % 1_000_000,
                "{time}"
            );
        }
    }

    #[test]
    fn a_code_matches_one_step_either_side_and_never_a_used_step() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_000;
        let step = step_of(now);
        let code = |s| format!("{:06}", secret.code_at(s));
        assert_eq!(secret.matching_step(&code(step), now, 0), Some(step));
        assert_eq!(
            secret.matching_step(&code(step - 1), now, 0),
            Some(step - 1)
        );
        assert_eq!(
            secret.matching_step(&code(step + 1), now, 0),
            Some(step + 1)
        );
        assert_eq!(secret.matching_step(&code(step - 2), now, 0), None);
        assert_eq!(secret.matching_step(&code(step + 2), now, 0), None);
        // Used: the same code again, or an older one, is refused.
        assert_eq!(secret.matching_step(&code(step), now, step), None);
        assert_eq!(secret.matching_step(&code(step - 1), now, step), None);
        assert_eq!(
            secret.matching_step(&code(step + 1), now, step),
            Some(step + 1)
        );
        // Typed with a space, as apps show it.
        let spaced = format!("{} {}", &code(step)[..3], &code(step)[3..]);
        assert_eq!(secret.matching_step(&spaced, now, 0), Some(step));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(secret.matching_step(bad, now, 0), None, "{bad}");
        }
    }

    #[test]
    fn the_uri_carries_the_base32_secret_and_the_issuer() {
        let uri = rfc_secret().uri("Cookie Jar", "ada@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/Cookie%20Jar%3Aada%40example%2Ecom?secret=\
             GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cookie%20Jar&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_read_back_however_they_are_typed() {
        let set = RecoveryCode::new_set();
        assert_eq!(set.len(), RECOVERY_CODES);
        let mut shown: Vec<&str> = set.iter().map(RecoveryCode::shown).collect();
        shown.sort();
        shown.dedup();
        assert_eq!(shown.len(), RECOVERY_CODES);
        let code = &set[0];
        assert_eq!(code.shown().len(), 19);
        let typed = code.shown().to_uppercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&typed).as_ref(), Some(code));
        assert_eq!(
            RecoveryCode::parse(code.shown()).unwrap().digest(),
            code.digest()
        );
        for bad in [
            "",
            "abcd-efgh-ijkl",
            "abcd-efgh-ijkl-mno1",
            "abcd-efgh-ijkl-mnopq",
        ] {
            assert_eq!(RecoveryCode::parse(bad), None, "{bad}");
        }
        assert_eq!(format!("{code:?}"), "RecoveryCode(..)");
    }
}
