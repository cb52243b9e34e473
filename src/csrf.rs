//! CSRF protection for every state-changing request.
//!
//! Two independent checks, both before a handler sees the form:
//! 1. the request comes from our own origin when the browser says where it
//!    comes from (`Sec-Fetch-Site`, else `Origin`, else `Referer`);
//! 2. the form's hidden `csrf_token` equals the session's token (the
//!    synchronizer-token pattern), compared in constant time.
//!
//! Handlers take `csrf::Form<T>` instead of `web::Form<T>`, so a POST
//! handler cannot forget the check.

use std::ops::Deref;

use actix_web::{dev::Payload, http::header, web::Bytes, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::{errors::AppError, session::AppSession};

/// A url-encoded form whose origin and CSRF token have been checked.
pub struct Form<T>(pub T);

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

/// For POSTs that carry nothing but the token (logout, clear cart).
#[derive(serde::Deserialize)]
pub struct NoFields {}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = Bytes::from_request(&req, payload);
        Box::pin(async move {
            check_origin(&req)?;
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code() == 413 {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("The form could not be read.".into())
                }
            })?;
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::Unprocessable("The form could not be read.".into()))?;
            let sent = fields
                .iter()
                .find(|(name, _)| name == "csrf_token")
                .map(|(_, value)| value.as_str())
                .unwrap_or("");
            let session = AppSession::from_request(&req, &mut Payload::None).await?;
            if !tokens_match(sent, &session.csrf_token()) {
                return Err(AppError::Forbidden(
                    "This form has expired or did not come from this site.",
                ));
            }
            serde_urlencoded::from_bytes(&body)
                .map(Form)
                .map_err(|e| AppError::Unprocessable(form_error_message(&e.to_string())))
        })
    }
}

fn tokens_match(sent: &str, expected: &str) -> bool {
    !sent.is_empty() && sent.as_bytes().ct_eq(expected.as_bytes()).into()
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

/// Refuses a request that the browser says comes from another site.
/// Headers that are absent prove nothing either way (non-browser clients);
/// the token check still applies to those.
pub fn check_origin(req: &HttpRequest) -> Result<(), AppError> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let cross_site = AppError::Forbidden("This request came from another site.");

    if let Some(site) = header(header::HeaderName::from_static("sec-fetch-site")) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(cross_site),
        };
    }
    let conn = req.connection_info();
    let own_host = conn.host();
    let claimed = header(header::ORIGIN).or_else(|| header(header::REFERER));
    match claimed {
        None => Ok(()),
        Some(url) if host_of(url) == Some(own_host) => Ok(()),
        Some(_) => Err(cross_site),
    }
}

/// "https://shop.example:8443/path" -> "shop.example:8443".
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_strips_scheme_and_path() {
        assert_eq!(
            host_of("http://127.0.0.1:8080/login"),
            Some("127.0.0.1:8080")
        );
        assert_eq!(host_of("https://evil.example"), Some("evil.example"));
        assert_eq!(host_of("null"), None);
    }

    #[test]
    fn empty_tokens_never_match() {
        assert!(!tokens_match("", ""));
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
    }
}
