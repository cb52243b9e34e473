//! Response headers that every page carries: a strict Content Security
//! Policy and the other headers of docs/ARCHITECTURE.md, "Security".

use actix_web::middleware::DefaultHeaders;

/// No inline script or style anywhere, so the policy can be this strict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; \
    style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// `DefaultHeaders` only adds a header the response does not already have,
/// so a handler (or the static-file scope) can still choose its own.
pub fn headers(secure: bool) -> DefaultHeaders {
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
