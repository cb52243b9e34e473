//! The one error type of the application, [`AppError`]: what went wrong,
//! as a value. What each variant answers over HTTP (a status, its headers,
//! a sentence for the user) is the web layer's ([`web::errors`]), and the
//! page around that sentence [`web::error_page`]'s. It is a
//! [`std::error::Error`] (through [`thiserror`]); what converts into it is
//! listed here, each explicitly: a database error is classified once, in
//! `From<sqlx::Error>` (away: 503; anything else: 500), and everything
//! else is a 500 unless a database error in its chain says the database
//! is away.
//!
//! [`AppError`]: crate::data::error::AppError
//! [`web::errors`]: crate::web::errors
//! [`web::error_page`]: crate::web::error_page

use crate::data::db::Failure;

pub(crate) type Result<T, E = AppError> = std::result::Result<T, E>;

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
    /// ([`services::mail::MAILS_PER_HOUR`]); nothing was changed.
    ///
    /// [`services::mail::MAILS_PER_HOUR`]: crate::services::mail::MAILS_PER_HOUR
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
    /// 303 to the login page, coming back to [`next`] afterwards.
    ///
    /// [`next`]: AppError::LoginRequired::next
    #[error("login required for {next}")]
    LoginRequired { next: String },
    /// 303 to "confirm your password" (sudo mode), coming back to
    /// [`next`].
    ///
    /// [`next`]: AppError::ReauthRequired::next
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

/// Whether an error says the database is away rather than that the shop
/// asked it something wrong ([`data::db::Failure`] reads the backend's codes).
///
/// [`data::db::Failure`]: crate::data::db::Failure
fn database_unavailable(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<sqlx::Error>()
        .is_some_and(|err| Failure::of(err) == Failure::Unavailable)
}
