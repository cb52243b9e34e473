//! `web::form::quantity`: the quantity typed into the cart's forms.
//!
//! Properties, for the two minimums the routes use (1 to add, 0 to set)
//! and for any other small minimum:
//! - accepted exactly when the trimmed text is a whole number (`i64`
//!   syntax) in `min..=99`, and then it is that number;
//! - for the routes' minimums, an accepted quantity fits the guest cart's
//!   `u32` (the cart casts it) and adding it to a full line (99) cannot
//!   overflow;
//! - refused is always a 422 whose message names the range.
#![no_main]

use cookie_jar::{data::error::AppError, domain::cart::MAX_QUANTITY, web::form::quantity as parse_quantity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // As a form field arrives: percent-decoded, invalid UTF-8 replaced.
    let raw = String::from_utf8_lossy(rest);
    let mins = [0, 1, i64::from(first as i8)];
    for min in mins {
        let expected = raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|q| (min..=MAX_QUANTITY).contains(q));
        match parse_quantity(&raw, min) {
            Ok(q) => {
                assert_eq!(Some(q), expected, "{raw:?} (min {min})");
                assert!((min..=MAX_QUANTITY).contains(&q));
                if min >= 0 {
                    assert!(u32::try_from(q).is_ok());
                    assert!((MAX_QUANTITY as u32).checked_add(q as u32).is_some());
                }
                if min == 1 {
                    assert!(q > 0);
                }
            }
            Err(AppError::Unprocessable(message)) => {
                assert_eq!(expected, None, "{raw:?} (min {min}) refused");
                assert!(
                    message.contains(&format!("from {min} to {MAX_QUANTITY}")),
                    "{message}"
                );
            }
            Err(other) => panic!("{raw:?}: not a 422 but {other:?}"),
        }
    }
});
