//! The one error type of the application, `AppError`, and what each
//! variant answers: a status, the headers that go with it and a sentence
//! for the user. The page around that sentence is drawn by
//! `web::error_page`, which can see who is asking. Internal causes are
//! logged, never shown. It is a `std::error::Error` (through `thiserror`);
//! what converts into it is listed here, each explicitly: a database error
//! is classified once, in `From<sqlx::Error>` (away: 503; anything else:
//! 500), and everything else is a 500 unless a database error in its chain
//! says the database is away.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::data::db::Failure;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: no such page, product, order or session.
    #[error("not found")]
    NotFound,
    /// 403: a failed CSRF or origin check; the reason is shown.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 400: a request no page of the shop would send (a bad query string).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 422: a form that could not be read (missing field, not a number...).
    #[error("unprocessable form: {0}")]
    Unprocessable(String),
    /// 409: the change collides with what is there now (an address that
    /// another account took meanwhile); the reason is shown.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 410: a mailed link that worked once: used, or out of time; the page
    /// says which and what to do.
    #[error("gone: {0}")]
    Gone(String),
    /// 413: a body above the form limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: a body the shop does not read (compressed, say); the reason is
    /// shown.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(&'static str),
    /// 429: throttled; try again after this many seconds.
    #[error("too many requests, retry after {retry_after}s")]
    TooManyRequests { retry_after: i64 },
    /// 429: the address was sent as many mails as it may get in an hour
    /// (`services::mail::MAILS_PER_HOUR`); nothing was changed.
    #[error("too many mails to one address, retry after {retry_after}s")]
    TooManyMails { retry_after: i64 },
    /// 503: the shop cannot take this now (the hashing queue is full);
    /// try again after this many seconds.
    #[error("service unavailable, retry after {retry_after}s")]
    ServiceUnavailable { retry_after: i64 },
    /// 503: the database cannot be reached or written (down, restarting,
    /// read-only, its disk full). A write whose commit was cut off may or
    /// may not have landed; the page says so. Logged.
    #[error("database unavailable: {0:#}")]
    DatabaseUnavailable(anyhow::Error),
    /// 503: the session store (Redis) cannot be reached; the same page as
    /// for the database. Logged.
    #[error("session store unavailable: {0:#}")]
    SessionStoreUnavailable(anyhow::Error),
    /// 503: a sign-in (or registration, or password change) was done, but
    /// the session store could not keep the new login, so its row was
    /// revoked; the page says what was done and asks to sign in later.
    #[error("sign-in not kept: {0:#}")]
    SignInNotKept(anyhow::Error),
    /// 303 to the login page, coming back to `next` afterwards.
    #[error("login required for {next}")]
    LoginRequired { next: String },
    /// 303 to "confirm your password" (sudo mode), coming back to `next`.
    #[error("password confirmation required for {next}")]
    ReauthRequired { next: String },
    /// 500: logged with its cause; the page shows only the request id.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

/// A database error is an outage (503) when it says the database is away,
/// and a bug (500) otherwise. The one place that tells them apart.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::from(anyhow::Error::from(err))
    }
}

/// Any other failure: a 500, unless a database error in its chain (one
/// given context on the way up) says the database is away.
impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        if err.chain().any(database_unavailable) {
            AppError::DatabaseUnavailable(err)
        } else {
            AppError::Internal(err)
        }
    }
}

/// A page that cannot be drawn is a bug: 500.
impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(err.into())
    }
}

/// A value that cannot be written as JSON (a session state, a note) is a
/// bug: 500.
impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::Internal(err.into())
    }
}

/// Seconds a visitor is asked to wait when the database or the session
/// store is away.
const DATABASE_RETRY_AFTER: i64 = 5;

/// Whether an error says the database is away rather than that the shop
/// asked it something wrong (`data::db::Failure` reads the backend's codes).
fn database_unavailable(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<sqlx::Error>()
        .is_some_and(|err| Failure::of(err) == Failure::Unavailable)
}

/// The sentence an error page shows, handed from `AppError` to the page
/// renderer in the response's extensions. Absent: the status's default.
pub struct ErrorMessage(pub String);

impl AppError {
    /// What the user reads; `None` for the status's default sentence.
    fn message(&self) -> Option<String> {
        match self {
            AppError::Forbidden(why) => {
                Some(format!("{why} Go back, reload the page and try again."))
            }
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

    /// A bodiless response: `web::error_page` puts the page in it.
    fn error_response(&self) -> HttpResponse {
        let mut response = match self {
            AppError::LoginRequired { next } => {
                let next = utf8_percent_encode(next, QUERY_VALUE);
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/login?next={next}")))
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
        if let Some(message) = self.message() {
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
