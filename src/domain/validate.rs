//! Rules for what users type: email, display name, password, and where a
//! redirect may lead. Each check returns the message shown next to the field.

use std::collections::BTreeMap;

/// Field name -> message, for re-rendering a form with 422.
pub(crate) type FieldErrors = BTreeMap<&'static str, String>;

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 50;

/// Trimmed and lower-cased: emails are unique regardless of case.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// An email as a throttle counts it ([`services::auth::throttle`], [`mail`]): normalized,
/// cut to 254 characters so a huge typed value is not stored, and without
/// control characters (PostgreSQL refuses NUL in text).
///
/// [`services::auth::throttle`]: crate::services::auth::throttle
/// [`mail`]: crate::services::mail
pub(crate) fn email_for_counting(raw: &str) -> String {
    normalize_email(raw)
        .chars()
        .filter(|c| !c.is_control())
        .take(254)
        .collect()
}

/// An address someone can receive mail at, in the everyday shape: a local
/// part of letters, digits and `.!#$%&'*+/=?^_`{|}~-` (no leading,
/// trailing or doubled dot), one `@`, and a domain of two or more dotted
/// labels of letters, digits and inner hyphens. RFC 5321 also allows quoted
/// local parts (`"a b"@example.com`) and address literals; nobody types
/// them into a shop, and they are where markup and header tricks hide, so
/// they are refused. The real proof would be a confirmation email.
pub fn email(email: &str) -> Result<(), String> {
    let shape_ok = email.len() <= 254
        && match email.split_once('@') {
            Some((local, domain)) => local_part_ok(local) && domain_ok(domain),
            None => false,
        };
    if shape_ok {
        Ok(())
    } else {
        Err("Enter an email address like name@example.com.".into())
    }
}

/// Whether an account could have this address: the shape registration
/// asked for when the oldest accounts were made (one `@`, no spaces), a
/// looser rule than [`email`], so that tightening [`email`] locks nobody out.
pub fn could_be_registered(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// A letter of any script, with its marks and joiners (RFC 6531 allows
/// UTF-8 in addresses): anything beyond ASCII that is not a space, a
/// control or a bidirectional control.
fn international(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_bidi_control(c)
}

fn local_part_ok(local: &str) -> bool {
    let atom_char = |c: char| {
        c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c) || international(c)
    };
    (1..=64).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

fn domain_ok(domain: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || international(c))
    };
    domain.contains('.') && domain.split('.').all(label_ok)
}

/// 1..=50 characters after trimming; returns the trimmed name.
pub fn display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 {
        Err("Enter a display name.".into())
    } else if chars > DISPLAY_NAME_MAX {
        Err(format!(
            "Keep the display name to {DISPLAY_NAME_MAX} characters (this one has {chars})."
        ))
    } else if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        Err("The display name cannot contain control characters.".into())
    } else {
        Ok(name.to_string())
    }
}

/// The invisible characters that reorder text around them: in a name they
/// could make the nav say something else than the name.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// 8..=128 characters, any characters, checked exactly as typed (no
/// trimming), refused when it is common or easily guessed (zxcvbn's
/// dictionaries and patterns, including the user's own email and name).
pub fn password(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN {
        return Err(format!("Use at least {PASSWORD_MIN} characters."));
    }
    if chars > PASSWORD_MAX {
        return Err(format!("Use at most {PASSWORD_MAX} characters."));
    }
    if zxcvbn::zxcvbn(password, user_inputs).score() < zxcvbn::Score::Two {
        return Err(
            "This password is too common or too easy to guess. A few unrelated words make a good one."
                .into(),
        );
    }
    Ok(())
}

/// `next=` and `back=` only ever lead to a page of this site: a path
/// starting with one `/` (not `//host` or `/\host`, which browsers treat as
/// another host), without control characters.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(local_path("/cart"), Some("/cart"));
        assert_eq!(local_path("/orders/5?x=1"), Some("/orders/5?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "cart",
            "",
            "/\r\nx",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails_in_the_everyday_shape_are_accepted() {
        for good in [
            "ann@example.com",
            "ann.lee+shop@mail.example.co.uk",
            "o'brien@example.ie",
            "zoë@exämple.de",
            "राम@उदाहरण.भारत",
            "user@مثال.إختبار",
            "x@a-b.example",
        ] {
            assert!(email(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn addresses_nobody_receives_mail_at_are_refused() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a n@example.com",
            "a@b@c.com",
            "a\0@example.com",
            "a\"<b>x</b>@example.com",
            "\"ann\"@example.com",
            "<ann@example.com>",
            "ann@example.com>",
            ".ann@example.com",
            "ann.@example.com",
            "a..nn@example.com",
            "ann@-example.com",
            "ann@example-.com",
            "ann@example..com",
            "ann@.example.com",
            "ann@example.com.",
            "ann@[127.0.0.1]",
            "ann@exa_mple.com",
            "ann(comment)@example.com",
            "ann\u{202E}@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  Ann  ").unwrap(), "Ann");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(51)).is_err());
        assert!(display_name(&"é".repeat(50)).is_ok());
        assert!(
            display_name("Ann\u{202E}live").is_err(),
            "a right-to-left override"
        );
        assert!(
            display_name("אנה").is_ok(),
            "right-to-left letters are fine"
        );
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in [
            "password",
            "password1",
            "12345678",
            "qwertyuiop",
            "iloveyou1",
        ] {
            assert!(password(common, &[]).is_err(), "{common}");
        }
        assert!(password("correct horse battery staple", &[]).is_ok());
        assert!(password("short", &[]).is_err());
        assert!(password(&"a".repeat(129), &[]).is_err());
    }
}
