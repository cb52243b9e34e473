//! CSRF protection for every state-changing request, as a middleware: no
//! handler can forget it, whatever it extracts.
//!
//! Every POST passes two independent checks before any handler runs (the
//! shop changes things on POST only: [`routes::endpoint`] takes no other
//! unsafe method, so a PUT or DELETE meets no handler and is answered 405):
//! 1. it comes from our own origin when the browser says where it comes
//!    from (`Sec-Fetch-Site`, else `Origin`, else `Referer`), compared with
//!    `PUBLIC_ORIGIN` or else the `Host` it was sent to;
//! 2. its form's `csrf_token` field (or, for the passkeys' JSON requests,
//!    its `X-CSRF-Token` header) equals the session's token (the
//!    synchronizer-token pattern), compared in constant time.
//!
//! The check runs before routing, so a POST without its token is refused
//! with 403 whatever its path (a POST to a page that takes only GET
//! included). Only a url-encoded form, or a request with the header, carries
//! a token here; anything else is refused. The error page shows the visitor's own navigation. Hand-written
//! rather than a crate: it is short, and it is the lesson.
//!
//! [`routes::endpoint`]: crate::routes::endpoint

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::Next,
    web::Bytes,
    FromRequest, HttpRequest,
};
use subtle::ConstantTimeEq;

use crate::{
    data::error::AppError,
    domain::config::Settings,
    domain::url::SentUrl,
    web::{app_state, extract::Visitor},
};

/// The middleware ([`startup`] wraps every route in it).
///
/// [`startup`]: crate::app::startup
pub(crate) async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Only a POST can change anything: the route table has GET and POST
    // endpoints only (`routes::endpoint`), so any other method meets no
    // handler (405 with `Allow`, or 404) and needs no token.
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    match check(&mut req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(refused) => Ok(req.error_response(refused).map_into_right_body()),
    }
}

/// Both checks; on success the body is put back for the handler.
async fn check(req: &mut ServiceRequest) -> Result<(), AppError> {
    check_origin(req.request(), &app_state(req.request()).settings)?;
    let encoded = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() != b"identity");
    if encoded {
        // Forms are small; the body is read exactly as sent (startup builds
        // actix-web without decompression).
        return Err(AppError::UnsupportedMediaType(
            "Send the form uncompressed.",
        ));
    }
    let visitor = Visitor::extract(req.request()).await?;
    let body = req.extract::<Bytes>().await.map_err(|e| {
        if e.as_response_error().status_code() == 413 {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("The form could not be read.".into())
        }
    })?;
    // A form sends the token as a field; the passkeys' JSON requests (the
    // shop's one script, static/js/passkeys.js) in a header.
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let in_header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let sent = in_header.unwrap_or_else(|| {
        fields
            .iter()
            .find(|(name, _)| name == "csrf_token")
            .map_or("", |(_, value)| value.as_str())
    });
    if !tokens_match(sent, &visitor.session.csrf_token()) {
        return Err(AppError::Forbidden(
            "This form has expired or did not come from this site.",
        ));
    }
    req.set_payload(body.into());
    Ok(())
}

/// The header a script sends the token in.
const CSRF_HEADER: &str = "x-csrf-token";

fn tokens_match(sent: &str, expected: &str) -> bool {
    !sent.is_empty() && sent.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Refuses a request that the browser says comes from another site.
/// Headers that are absent prove nothing either way (non-browser clients);
/// the token check still applies to those.
fn check_origin(req: &HttpRequest, settings: &Settings) -> Result<(), AppError> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let cross_site = AppError::Forbidden("This request came from another site.");

    if let Some(site) = header(header::HeaderName::from_static("sec-fetch-site")) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(cross_site),
        };
    }
    let Some(claimed) = header(header::ORIGIN).or_else(|| header(header::REFERER)) else {
        return Ok(());
    };
    let claimed = SentUrl::parse(claimed);
    let same = match &settings.public_origin {
        Some(origin) => claimed.is_some_and(|url| url.origin() == origin.as_str()),
        None => claimed.is_some_and(|url| url.host() == own_host(req, settings)),
    };
    if same {
        Ok(())
    } else {
        Err(cross_site)
    }
}

/// The host this request was sent to: the `Host` header (what the browser
/// addressed), or, behind the trusted proxy, the host the proxy says
/// (`Forwarded`/`X-Forwarded-Host`). A client's own `X-Forwarded-Host` is
/// not believed.
fn own_host(req: &HttpRequest, settings: &Settings) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    if peer.is_some() && peer == settings.trusted_proxy {
        return req.connection_info().host().to_string();
    }
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tokens_never_match() {
        assert!(!tokens_match("", ""));
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
    }
}
