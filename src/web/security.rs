//! Response headers that every page carries: a strict Content Security
//! Policy and the other headers the README lists under **Headers**; and
//! no `Referer` at all from a page whose address carries a mailed link's
//! token.

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderValue, REFERRER_POLICY},
    middleware::{DefaultHeaders, Next},
};

/// The routes whose address ends in a mailed link's token
/// (`/password/reset/{token}`, `/verify-email/{token}`): every answer
/// under them says `Referrer-Policy: no-referrer` ([`hide_tokens`]). A test
/// holds this list to the route table.
pub const TOKEN_ROUTES: [&str; 2] = ["/password/reset/", "/verify-email/"];

/// Whether `path` is one of [`TOKEN_ROUTES`] with something after it.
fn carries_token(path: &str) -> bool {
    TOKEN_ROUTES.iter().any(|route| {
        path.strip_prefix(route)
            .is_some_and(|rest| !rest.is_empty())
    })
}

/// No inline script or style anywhere, so the policy can be this strict.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// [`DefaultHeaders`] only adds a header the response does not already have,
/// so a handler (or the static-file scope) can still choose its own.
pub(crate) fn headers(secure: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        // Pages show the cart count and who is logged in: never cache them.
        .add(("Cache-Control", "no-store"));
    if secure {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// The middleware ([`startup`] wraps every route in it, outside [`headers`]):
/// an answer from an address with a token in it tells the browser to send
/// no `Referer` from it, so the token cannot reach a proxy's or a CDN's log
/// with the stylesheet, the icon or a link followed from an error page.
/// (A live link's page only redirects to an address without the token,
/// [`routes::recovery::open_link`]; this covers the rest, errors included.)
///
/// [`startup`]: crate::app::startup
/// [`routes::recovery::open_link`]: crate::routes::recovery::open_link
pub(crate) async fn hide_tokens(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let hide = carries_token(req.path());
    let mut res = next.call(req).await?;
    if hide {
        let no_referrer = HeaderValue::from_static("no-referrer");
        res.headers_mut().insert(REFERRER_POLICY, no_referrer);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_address_with_a_token_after_its_route_carries_one() {
        assert!(carries_token("/password/reset/abc"));
        assert!(carries_token("/verify-email/abc"));
        assert!(!carries_token("/password/reset"));
        assert!(!carries_token("/password/reset/"));
        assert!(!carries_token("/verify-email"));
        assert!(!carries_token("/products/abc"));
    }
}
