//! What each [`AppError`] answers over HTTP: a status, the headers that go
//! with it (`Location`, `Retry-After`) and a sentence for the user, handed
//! to the page renderer ([`web::error_page`]) in the response's extensions.
//! Internal causes are logged here, with the request's span, never shown.
//!
//! [`web::error_page`]: crate::web::error_page

use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::data::error::AppError;

/// Seconds a visitor is asked to wait when the database or the session
/// store is away.
const DATABASE_RETRY_AFTER: i64 = 5;

/// The sentence an error page shows, handed from [`AppError`] to the page
/// renderer in the response's extensions. Absent: the status's default.
pub(crate) struct ErrorMessage(pub(crate) String);

/// What the user reads; `None` for the status's default sentence.
fn message(error: &AppError) -> Option<String> {
    match error {
        AppError::Forbidden(why) => Some(format!("{why} Go back, reload the page and try again.")),
        AppError::BadRequest(why)
        | AppError::Unprocessable(why)
        | AppError::Conflict(why)
        | AppError::Gone(why) => Some(why.clone()),
        AppError::UnsupportedMediaType(why) => Some(why.to_string()),
        AppError::TooManyRequests { retry_after } => Some(format!(
            "Too many attempts. Please wait {} and try again.",
            wait_phrase(*retry_after)
        )),
        AppError::TooManyMails { retry_after } => Some(format!(
            "This address has had as many mails from us as it may get in an hour, so \
                 nothing was sent and nothing changed. Please wait {} and try again.",
            wait_phrase(*retry_after)
        )),
        AppError::ServiceUnavailable { .. } => {
            Some("The shop is very busy just now. Please try again in a moment.".into())
        }
        AppError::SignInNotKept(_) => Some(
            "You are not signed in: the shop could not keep your session just now. What \
                 you did was saved: if you were creating an account, it exists, and if you \
                 changed your password, the new one is in force. Please sign in again in a \
                 moment."
                .into(),
        ),
        AppError::DatabaseUnavailable(_) | AppError::SessionStoreUnavailable(_) => Some(
            "The shop cannot reach its records just now. If you were changing something, \
                 it may not have been saved: please look again in a moment before you retry."
                .into(),
        ),
        _ => None,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } | AppError::TooManyMails { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::ServiceUnavailable { .. }
            | AppError::DatabaseUnavailable(_)
            | AppError::SessionStoreUnavailable(_)
            | AppError::SignInNotKept(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::LoginRequired { .. } | AppError::ReauthRequired { .. } => {
                StatusCode::SEE_OTHER
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bodiless response: [`web::error_page`] puts the page in it.
    ///
    /// [`web::error_page`]: crate::web::error_page
    fn error_response(&self) -> HttpResponse {
        let mut response = match self {
            AppError::LoginRequired { next } => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, sign_in_then(next)))
                    .finish();
            }
            AppError::ReauthRequired { next } => {
                let next = utf8_percent_encode(next, QUERY_VALUE);
                let to = format!("/confirm-password?next={next}");
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to))
                    .finish();
            }
            AppError::TooManyRequests { retry_after }
            | AppError::TooManyMails { retry_after }
            | AppError::ServiceUnavailable { retry_after } => {
                HttpResponse::build(self.status_code())
                    .insert_header((header::RETRY_AFTER, *retry_after))
                    .finish()
            }
            AppError::DatabaseUnavailable(cause)
            | AppError::SessionStoreUnavailable(cause)
            | AppError::SignInNotKept(cause) => {
                let what = match self {
                    AppError::DatabaseUnavailable(_) => "database unavailable",
                    AppError::SignInNotKept(_) => "a sign-in not kept: the session store failed",
                    _ => "session store unavailable",
                };
                tracing::warn!(error = %format!("{cause:#}"), "{what}");
                HttpResponse::build(self.status_code())
                    .insert_header((header::RETRY_AFTER, DATABASE_RETRY_AFTER))
                    .finish()
            }
            _ => HttpResponse::build(self.status_code()).finish(),
        };
        if let Some(message) = message(self) {
            response.extensions_mut().insert(ErrorMessage(message));
        }
        if let AppError::Internal(cause) = self {
            // The request's span adds the request id the page shows.
            tracing::error!(error = ?cause, "internal error");
        }
        response
    }
}

/// What `next=` may keep readable; everything else is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// "3 minutes", "1 minute", "45 seconds".
fn wait_phrase(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} second{}", if s == 1 { "" } else { "s" }),
        s => {
            let m = (s + 59) / 60;
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
    }
}

/// The sign-in page, coming back to the local path `next` once signed in.
pub(crate) fn sign_in_then(next: &str) -> String {
    format!("/login?next={}", utf8_percent_encode(next, QUERY_VALUE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_required_keeps_the_path_and_encodes_the_query() {
        let res = AppError::LoginRequired {
            next: "/orders?page=2&x=a b".into(),
        }
        .error_response();
        assert_eq!(
            res.headers().get(header::LOCATION).unwrap(),
            "/login?next=/orders%3Fpage%3D2%26x%3Da%20b"
        );
    }

    #[test]
    fn waits_are_said_in_words() {
        assert_eq!(wait_phrase(1), "1 second");
        assert_eq!(wait_phrase(61), "2 minutes");
    }
}
