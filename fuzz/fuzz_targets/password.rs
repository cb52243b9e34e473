//! `domain::validate::password`: the length rule and zxcvbn's judgement, with the
//! user's own email and name as registration passes them.
//!
//! Properties: zxcvbn never panics on what a user can type; fewer than 8
//! or more than 128 characters is always refused, whatever zxcvbn says; an
//! accepted password has 8..=128 characters.
#![no_main]

use cookie_jar::domain::validate::{password, PASSWORD_MAX, PASSWORD_MIN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    // password \n email \n display name
    let mut parts = s.splitn(3, '\n');
    let pw = parts.next().unwrap_or_default();
    let inputs: Vec<&str> = parts.collect();
    let chars = pw.chars().count();
    let verdict = password(pw, &inputs);
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&chars) {
        assert!(verdict.is_err(), "{chars} characters accepted");
    }
    if verdict.is_ok() {
        assert!((PASSWORD_MIN..=PASSWORD_MAX).contains(&chars));
    }
});
