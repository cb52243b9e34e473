//! Error pages. Every error response without a body of its own (an
//! [`AppError`], actix's own 4xx, a 500) becomes a page of the shop: the
//! layout with the visitor's own navigation and theme, the sentence the
//! error chose ([`web::errors::ErrorMessage`]) or the status's default, and for a
//! 500 the request id to quote to support.
//!
//! The renderer runs inside the session adapter ([`startup`]), while the
//! session is still readable and writable (a first visit that lands on an
//! error page gets its session, so the page's forms work), and it resolves
//! the visitor itself when the request failed before anything did (a
//! malformed query string is refused before the handler's other extractors
//! finish). A second renderer around the adapter draws the adapter's own
//! error: a store that fails as the state is written back (503).
//!
//! [`web::errors::ErrorMessage`]: crate::web::errors::ErrorMessage
//! [`startup`]: crate::app::startup

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::ServiceResponse,
    http::{header, StatusCode},
    middleware::ErrorHandlerResponse,
    FromRequest, HttpMessage, HttpResponse,
};
use askama::Template;
use tracing_actix_web::RequestId;

use crate::{
    data::error::AppError,
    web::{
        errors::ErrorMessage,
        extract::Visitor,
        form::FORM_LIMIT_BYTES,
        page::{filters, Layout},
    },
};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title: &'static str,
    message: String,
    request_id: Option<String>,
}

/// The [`ErrorHandlers`] default handler ([`startup`]).
///
/// [`ErrorHandlers`]: actix_web::middleware::ErrorHandlers
/// [`startup`]: crate::app::startup
pub(crate) fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Pages rendered by handlers (422 forms), deliberate JSON answers
    // (/healthz) and redirects (login required) stay as they are.
    let has_own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.starts_with("text/plain"));
    if has_own_body || res.status().is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    Ok(ErrorHandlerResponse::Future(Box::pin(page_for(res))))
}

async fn page_for<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ServiceResponse<EitherBody<B>>> {
    let status = res.status();
    // `AppError` logs its own causes; a 5xx from anywhere else (actix or
    // a middleware) is logged here, or it would show only as a status.
    let foreign = res
        .response()
        .error()
        .filter(|e| e.as_error::<AppError>().is_none())
        .map(|e| e.to_string());
    if status.is_server_error() && (foreign.is_some() || res.response().error().is_none()) {
        tracing::error!(status = status.as_u16(), error = ?foreign, "server error");
    }
    let request = res.request().clone();
    let message = res
        .response()
        .extensions()
        .get::<ErrorMessage>()
        .map_or_else(|| default_message(status), |m| m.0.clone());
    // The visitor as resolved at the start of the request (a handler that
    // failed after changing the cart shows the count from before), or now;
    // not now when the shop is unavailable (its database may be away: no
    // second wait for it).
    let resolved = request.extensions().get::<Visitor>().cloned();
    let layout = match resolved {
        Some(visitor) => visitor.layout_keeping_flash(),
        None if status == StatusCode::SERVICE_UNAVAILABLE => Layout::bare(),
        None => match Visitor::extract(&request).await {
            Ok(visitor) => visitor.layout_keeping_flash(),
            Err(_) => Layout::bare(),
        },
    };
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
    // Keep headers set by inner layers (Retry-After, Allow...).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body())
}

fn default_message(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "There is nothing here. The link may be old, or the address mistyped.".into(),
        405 => "This page cannot be used that way.".into(),
        413 => format!(
            "What you sent is too large. Forms here take at most {} KiB.",
            FORM_LIMIT_BYTES / 1024
        ),
        500 => "Something went wrong on our side. It has been logged; please try again.".into(),
        s if s < 500 => "The request could not be understood.".into(),
        _ => "The shop cannot answer right now. Please try again shortly.".into(),
    }
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Page not found",
        405 => "Not allowed",
        409 => "Already taken",
        410 => "Link no longer works",
        413 => "Too large",
        422 => "Cannot use that",
        429 => "Slow down",
        500 => "Server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}
