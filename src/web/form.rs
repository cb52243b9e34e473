//! [`Form<T>`]: a url-encoded form read into `T`, where a field that is
//! missing or of the wrong kind is a 422 page that says which, instead of
//! actix's plain-text 400. (The CSRF token was checked before any handler
//! runs, by [`web::csrf`].)
//!
//! [`Form<T>`]: crate::web::form::Form
//! [`web::csrf`]: crate::web::csrf

use std::ops::Deref;

use actix_web::{dev::Payload, web::Bytes, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::{data::error::AppError, domain::cart::MAX_QUANTITY};

/// Bodies larger than this are refused with 413 before a handler runs
/// ([`startup`] sets it as the [`PayloadConfig`]).
///
/// [`startup`]: crate::app::startup
/// [`PayloadConfig`]: actix_web::web::PayloadConfig
pub const FORM_LIMIT_BYTES: usize = 64 * 1024;

pub struct Form<T>(T);

/// A quantity typed into a cart's form: a whole number in
/// `min..=MAX_QUANTITY` (1 to add, 0 to set, which removes); anything else
/// is a 422 page that says the range.
pub fn quantity(raw: &str, min: i64) -> Result<i64, AppError> {
    match raw.trim().parse::<i64>() {
        Ok(q) if (min..=MAX_QUANTITY).contains(&q) => Ok(q),
        _ => Err(AppError::Unprocessable(format!(
            "The quantity must be a whole number from {min} to {MAX_QUANTITY}."
        ))),
    }
}

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            serde_urlencoded::from_bytes(&body)
                .map(Form)
                .map_err(|e| AppError::Unprocessable(form_error_message(&e.to_string())))
        })
    }
}

/// "missing field `quantity`" -> a sentence a user can act on.
fn form_error_message(serde_message: &str) -> String {
    match serde_message.split('`').nth(1) {
        Some(field) if serde_message.starts_with("missing field") => {
            format!("The form is missing the field \u{201c}{field}\u{201d}.")
        }
        _ => "The form could not be read: a field has a value of the wrong kind.".into(),
    }
}
