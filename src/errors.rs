//! One error type for the whole app. Every variant renders a page with a
//! plain explanation; internal causes are logged, never shown.

use actix_web::{
    dev::ServiceResponse,
    http::{header, StatusCode},
    middleware::ErrorHandlerResponse,
    HttpMessage, HttpResponse, ResponseError,
};
use askama::Template;
use tracing_actix_web::RequestId;

use crate::{auth::Visitor, page::Layout};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum AppError {
    /// 404: no such page, product, order or session.
    NotFound,
    /// 403: a failed CSRF or origin check; the reason is shown.
    Forbidden(&'static str),
    /// 400: a request no browser form would send.
    BadRequest(String),
    /// 422: a form that could not be read (missing field, not a number...).
    Unprocessable(String),
    /// 413: a body above the form limit.
    PayloadTooLarge,
    /// 429: throttled; try again after this many seconds.
    TooManyRequests { retry_after: i64 },
    /// 303 to the login page, coming back to `next` afterwards.
    LoginRequired { next: String },
    /// 500: logged with its cause; the page shows only the request id.
    Internal(anyhow::Error),
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::NotFound => f.write_str("not found"),
            AppError::Forbidden(why) => write!(f, "forbidden: {why}"),
            AppError::BadRequest(why) => write!(f, "bad request: {why}"),
            AppError::Unprocessable(why) => write!(f, "unprocessable form: {why}"),
            AppError::PayloadTooLarge => f.write_str("payload too large"),
            AppError::TooManyRequests { retry_after } => {
                write!(f, "too many requests, retry after {retry_after}s")
            }
            AppError::LoginRequired { next } => write!(f, "login required for {next}"),
            AppError::Internal(e) => write!(f, "internal error: {e:#}"),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for AppError {
    fn from(err: E) -> Self {
        AppError::Internal(err.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title: &'static str,
    message: String,
    request_id: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page itself is rendered by `render_error_page`, which can see
    /// the request (who is logged in, the request id); this only decides
    /// the status, the message and the headers.
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            AppError::LoginRequired { next } => {
                let location = format!("/login?next={}", crate::page::url_encode(next));
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                default_message(status).to_string()
            }
            AppError::Forbidden(why) => format!("{why} Go back, reload the page and try again."),
            AppError::BadRequest(why) | AppError::Unprocessable(why) => why.clone(),
            AppError::TooManyRequests { retry_after } => format!(
                "Too many attempts. Please wait {} and try again.",
                crate::page::minutes_phrase(*retry_after)
            ),
            _ => default_message(status).to_string(),
        };
        let mut response = HttpResponse::build(status).finish();
        response.extensions_mut().insert(ErrorMessage(message));
        if let AppError::TooManyRequests { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, (*retry_after).into());
        }
        response
    }
}

/// What an error page should say, passed from `AppError` to the renderer.
struct ErrorMessage(String);

fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "There is nothing here. The link may be old, or the address mistyped.",
        405 => "This page cannot be used that way.",
        413 => "What you sent is too large. Forms here take at most 64 KiB.",
        500 => "Something went wrong on our side. It has been logged; please try again.",
        s if s < 500 => "The request could not be understood.",
        _ => "The shop cannot answer right now. Please try again shortly.",
    }
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Page not found",
        413 => "Too large",
        422 => "Cannot use that",
        429 => "Slow down",
        500 => "Server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// Gives every error response without a body of its own (an `AppError`,
/// actix's own 4xx, a 500) a page: the shop's layout with the visitor's
/// navigation when the request got as far as knowing the visitor, the
/// message, and for a 500 the request id to quote to support.
pub fn render_error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Pages rendered by handlers (422 forms) and deliberate JSON answers
    // (/healthz) stay as they are.
    let has_own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.starts_with("text/plain"));
    if has_own_body || res.status() == StatusCode::SEE_OTHER {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let message = res
        .response()
        .extensions()
        .get::<ErrorMessage>()
        .map_or_else(|| default_message(status).to_string(), |m| m.0.clone());
    let request = res.request();
    // The visitor as resolved at the start of the request: a handler that
    // failed after changing the cart shows the count from before.
    let layout = request
        .extensions()
        .get::<Visitor>()
        .map_or_else(Layout::bare, Visitor::layout_keeping_flash);
    let request_id = (status == StatusCode::INTERNAL_SERVER_ERROR)
        .then(|| {
            request
                .extensions()
                .get::<RequestId>()
                .map(|id| id.to_string())
        })
        .flatten();
    let page = ErrorPage {
        layout,
        status: status.as_u16(),
        title: title(status),
        message,
        request_id,
    };
    let body = page
        .render()
        .unwrap_or_else(|_| format!("{} {}", status.as_u16(), title(status)));
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    // Keep headers set by inner layers (session cookie, Retry-After...).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    let res = ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
