//! `domain::validate::local_path`, the check on `next=` and `back=`, and the two
//! redirects built from such paths.
//!
//! Properties:
//! - accepted exactly when the text starts with one `/` (not `//`, not
//!   `/\`), has no backslash and no control character; accepted text comes
//!   back unchanged;
//! - an accepted path, resolved the way a browser resolves a `Location`
//!   (WHATWG URL parsing, against any page of the shop), stays on the
//!   shop's origin: same scheme, host and port, no credentials;
//! - `page::see_other` of an accepted path is a 303 whose `Location` is
//!   exactly the path;
//! - for any path a visitor asked for, the login redirect
//!   (`AppError::LoginRequired`) is a 303 to `/login?next=...` that is
//!   itself a local path, and decoding its query (as the login page does)
//!   gives the path back exactly.
#![no_main]

use actix_web::{http::header::LOCATION, http::StatusCode, ResponseError};
use cookie_jar::{data::error::AppError, domain::validate::local_path, web::page::see_other};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use url::Url;

/// As `routes::auth::LoginQuery` (private there).
#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

fn expected_ok(s: &str) -> bool {
    s.starts_with('/') && !s.starts_with("//") && !s.chars().any(|c| c == '\\' || c.is_control())
}

fn same_origin(location: &str) {
    for base in [
        "https://shop.example/",
        "https://shop.example/orders/5?x=1#top",
        "http://shop.example:8080/cart/",
    ] {
        let base = Url::parse(base).unwrap();
        let to = base
            .join(location)
            .unwrap_or_else(|e| panic!("{location:?} does not resolve: {e}"));
        assert_eq!(to.origin(), base.origin(), "{location:?} leaves the shop");
        assert_eq!(to.username(), "", "{location:?}");
        assert_eq!(to.password(), None, "{location:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s: &str = &s;

    let accepted = local_path(s);
    assert_eq!(accepted.is_some(), expected_ok(s), "{s:?}");
    if let Some(p) = accepted {
        assert_eq!(p, s);
        same_origin(p);
        let res = see_other(p);
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{p:?}");
        let location = res.headers().get(LOCATION).expect("a Location");
        assert_eq!(location.as_bytes(), p.as_bytes());
    }

    // The login redirect carries any requested path, accepted or not.
    let res = AppError::LoginRequired {
        next: s.to_string(),
    }
    .error_response();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers().get(LOCATION).expect("a Location");
    let location = location.to_str().expect("an ASCII Location");
    assert!(local_path(location).is_some(), "{location:?}");
    same_origin(location);
    let query = location
        .strip_prefix("/login?")
        .unwrap_or_else(|| panic!("{location:?}"));
    let back: LoginQuery = serde_urlencoded::from_str(query).expect("the query reads back");
    assert_eq!(back.next.as_deref(), Some(s), "{location:?}");
});
