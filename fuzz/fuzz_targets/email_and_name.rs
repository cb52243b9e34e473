//! `domain::validate::email`, `could_be_registered`, `normalize_email` and
//! `display_name`.
//!
//! Properties:
//! - an accepted email has the promised shape: at most 254 bytes, one `@`,
//!   a local part of 1..=64 bytes without leading, trailing or doubled
//!   dots, a domain of two or more labels of letters, digits and inner
//!   hyphens, and none of the characters where markup and header tricks
//!   hide (whitespace, controls, quotes, `<>()[],;:\`);
//! - nobody is locked out: an address registration accepts (normalized,
//!   then `email`) is one the login looks up (`could_be_registered`), and
//!   normalizing what the user types again gives the stored address
//!   (normalizing is idempotent);
//! - `display_name` accepts exactly the trimmed text of 1..=50 characters
//!   without control or bidi-control characters, returns it trimmed, and
//!   accepts its own output unchanged.
#![no_main]

use cookie_jar::domain::validate::{
    could_be_registered, display_name, email, normalize_email, DISPLAY_NAME_MAX,
};
use libfuzzer_sys::fuzz_target;

fn check_email_shape(e: &str) {
    assert!(e.len() <= 254, "{e:?}");
    assert_eq!(e.matches('@').count(), 1, "{e:?}");
    let (local, domain) = e.split_once('@').unwrap();
    assert!((1..=64).contains(&local.len()), "{e:?}");
    assert!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
    for c in e.chars() {
        assert!(
            !c.is_whitespace() && !c.is_control() && !"\"<>()[],;:\\".contains(c),
            "{e:?} has {c:?}"
        );
    }
    let labels: Vec<&str> = domain.split('.').collect();
    assert!(labels.len() >= 2, "{e:?}");
    for label in labels {
        assert!((1..=63).contains(&label.len()), "{e:?}");
        assert!(!label.starts_with('-') && !label.ends_with('-'), "{e:?}");
        assert!(
            label.chars().all(|c| c.is_alphanumeric() || c == '-'),
            "{e:?}"
        );
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s: &str = &s;

    // The email as typed, and as registration stores it.
    if email(s).is_ok() {
        check_email_shape(s);
        assert!(
            could_be_registered(s),
            "{s:?} is valid but no login finds it"
        );
    }
    let stored = normalize_email(s);
    assert_eq!(normalize_email(&stored), stored, "normalizing {s:?} twice");
    if email(&stored).is_ok() {
        check_email_shape(&stored);
        assert!(
            could_be_registered(&stored),
            "{stored:?} registered, never found"
        );
    }

    // The display name.
    let trimmed = s.trim();
    let chars = trimmed.chars().count();
    let expected = (1..=DISPLAY_NAME_MAX).contains(&chars)
        && !trimmed
            .chars()
            .any(|c| c.is_control() || is_bidi_control(c));
    match display_name(s) {
        Ok(name) => {
            assert!(expected, "{s:?} accepted");
            assert_eq!(name, trimmed);
            assert_eq!(display_name(&name).as_deref(), Ok(name.as_str()));
        }
        Err(message) => {
            assert!(!expected, "{s:?} refused: {message}");
            assert!(!message.is_empty());
        }
    }
});
