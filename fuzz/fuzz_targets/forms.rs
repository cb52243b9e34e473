//! Form decoding: every form of the shop read by the shop's `Form<T>`
//! extractor (`web::form`, serde_urlencoded behind a 422 page), and the
//! query strings read by `web::Query` (serde_urlencoded too), then the
//! pure checks the handlers run on the fields.
//!
//! The form structs are private to their route modules, so they are
//! mirrored here field for field (same names, types and `serde(default)`s;
//! a change there should be copied here).
//!
//! Properties, for each form and any body:
//! - reading it never panics and finishes at once (the body is in memory);
//! - the extractor decides as serde_urlencoded does, and a refusal is a
//!   422 (never a 400 under the size limit) whose message is one of the
//!   two sentences, naming only a field the form really requires;
//! - a decoded form encodes and decodes back to the same value;
//! - the handlers' checks on its fields keep their promises (a quantity in
//!   range, `next`/`back` local or refused, a theme or page size that
//!   parses is a real one).
#![no_main]

use std::{
    fmt::Debug,
    task::{Context, Poll, Waker},
};

use actix_web::{test::TestRequest, web::PayloadConfig, FromRequest};
use cookie_jar::{
    data::error::AppError,
    domain::prefs::{PageSize, Theme},
    domain::validate,
    web::form::{quantity as parse_quantity, Form, FORM_LIMIT_BYTES},
};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

// ---- routes::cart
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct AddForm {
    product_id: String,
    quantity: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct SetForm {
    quantity: String,
}

// ---- routes::auth
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    remember_me: Option<String>,
    #[serde(default)]
    next: String,
}

// ---- routes::profile
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct NameForm {
    #[serde(default)]
    display_name: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

// ---- routes::account
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct DeleteForm {
    #[serde(default)]
    password: String,
}

// ---- routes::preferences
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct PreferencesForm {
    theme: Option<String>,
    page_size: Option<String>,
    back: Option<String>,
}

// ---- routes::products, routes::home (query strings)
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CatalogQuery {
    page: Option<i64>,
    sort: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct HomeQuery {
    signed_out: Option<String>,
}

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let encoded = serde_urlencoded::to_string(value).expect("a decoded form encodes");
    let decoded: T = serde_urlencoded::from_str(&encoded).expect("and decodes");
    assert_eq!(&decoded, value, "{encoded:?}");
}

/// `body` as a handler taking `Form<T>` gets it.
fn read_form<T>(body: &[u8], required: &[&str]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + 'static,
{
    let (req, mut payload) = TestRequest::post()
        .app_data(PayloadConfig::new(FORM_LIMIT_BYTES))
        .set_payload(body.to_vec())
        .to_http_parts();
    let mut future = Form::<T>::from_request(&req, &mut payload);
    let Poll::Ready(read) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("an in-memory form is not read at once");
    };
    let direct = serde_urlencoded::from_bytes::<T>(body);
    match read {
        Ok(form) => {
            let form = form.into_inner();
            assert_eq!(Some(&form), direct.as_ref().ok());
            round_trips(&form);
            Some(form)
        }
        Err(AppError::Unprocessable(message)) => {
            let why = direct.expect_err("the extractor refuses what serde reads");
            let wrong_kind = "The form could not be read: a field has a value of the wrong kind.";
            if message != wrong_kind {
                let field = message
                    .strip_prefix("The form is missing the field \u{201c}")
                    .and_then(|m| m.strip_suffix("\u{201d}."))
                    .unwrap_or_else(|| panic!("{message:?} ({why})"));
                assert!(required.contains(&field), "{message:?} ({why})");
            }
            None
        }
        Err(AppError::BadRequest(_)) if body.len() > FORM_LIMIT_BYTES => None,
        Err(other) => panic!("not a 422: {other:?}"),
    }
}

/// `query` as a handler taking `web::Query<T>` gets it.
fn read_query<T: Serialize + DeserializeOwned + PartialEq + Debug>(query: &str) -> Option<T> {
    let value: T = serde_urlencoded::from_str(query).ok()?;
    round_trips(&value);
    Some(value)
}

fn check_next(next: &str) {
    let to = validate::local_path(next).unwrap_or("/");
    assert!(to.starts_with('/') && !to.starts_with("//") && !to.contains('\\'));
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 11 {
        0 => {
            if let Some(f) = read_form::<AddForm>(body, &["product_id", "quantity"]) {
                let _ = f.product_id.trim().parse::<i64>();
                if let Ok(q) = parse_quantity(&f.quantity, 1) {
                    assert!((1..=99).contains(&q));
                }
            }
        }
        1 => {
            if let Some(f) = read_form::<SetForm>(body, &["quantity"]) {
                if let Ok(q) = parse_quantity(&f.quantity, 0) {
                    assert!((0..=99).contains(&q));
                }
            }
        }
        2 => {
            if let Some(f) = read_form::<RegisterForm>(body, &[]) {
                let email = validate::normalize_email(&f.email);
                let _ = validate::email(&email);
                let _ = validate::display_name(&f.display_name);
            }
        }
        3 => {
            if let Some(f) = read_form::<LoginForm>(body, &[]) {
                check_next(&f.next);
                let _ = validate::could_be_registered(&validate::normalize_email(&f.email));
            }
        }
        4 => {
            if let Some(f) = read_form::<NameForm>(body, &[]) {
                if let Ok(name) = validate::display_name(&f.display_name) {
                    assert_eq!(name, f.display_name.trim());
                }
            }
        }
        5 => {
            read_form::<PasswordForm>(body, &[]);
        }
        6 => {
            read_form::<DeleteForm>(body, &[]);
        }
        7 => {
            if let Some(f) = read_form::<PreferencesForm>(body, &[]) {
                if let Some(theme) = f.theme.as_deref().and_then(Theme::parse) {
                    assert_eq!(theme.as_str(), f.theme.as_deref().unwrap().trim());
                }
                if let Some(size) = f.page_size.as_deref().and_then(PageSize::parse) {
                    assert!(PageSize::ALL.contains(&size));
                }
                if let Some(back) = f.back.as_deref() {
                    check_next(back);
                }
            }
        }
        8 => {
            read_query::<CatalogQuery>(&String::from_utf8_lossy(body));
        }
        9 => {
            read_query::<HomeQuery>(&String::from_utf8_lossy(body));
        }
        _ => {
            if let Some(q) = read_query::<LoginQuery>(&String::from_utf8_lossy(body)) {
                check_next(q.next.as_deref().unwrap_or("/"));
            }
        }
    }
});
