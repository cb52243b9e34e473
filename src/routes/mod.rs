//! The route table: every URL of the shop, in one place, and one module
//! per resource. A handler reads like the story of its page: extract, call
//! one service, render or redirect.
//!
//! Every POST here is checked for CSRF by [`web::csrf`] before its handler
//! runs; a test walks this table to prove it (`tests/api/security.rs`).

mod account;
mod auth;
pub(crate) mod cart;
mod dev_mail;
mod email;
mod health;
mod home;
mod logins;
mod orders;
mod passkeys;
pub(crate) mod preferences;
mod products;
mod profile;
pub(crate) mod recovery;
mod session_inspector;
mod tour;
mod two_factor;

use actix_web::{
    guard,
    http::{header, Method},
    web, FromRequest, Handler, HttpResponse, Responder, Route,
};

use crate::{data::error::AppError, web::assets};

/// One row of the table.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    route: Route,
}

/// A GET endpoint answers HEAD too (the same headers, no body: actix
/// leaves the body out). GET reads, POST changes: there is no third kind,
/// so [`web::csrf`], which checks every POST, checks every change.
///
/// [`web::csrf`]: crate::web::csrf
pub(crate) fn endpoint<F, Args>(method: Method, path: &'static str, handler: F) -> Endpoint
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    assert!(
        method == Method::GET || method == Method::POST,
        "{method} {path}: the shop's routes are GET or POST"
    );
    let route = if method == Method::GET {
        web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
    } else {
        web::route().method(method.clone())
    };
    Endpoint {
        route: route.to(handler),
        method,
        path,
    }
}

/// Every URL of the shop and what answers it.
pub fn table() -> Vec<Endpoint> {
    use Method as M;
    vec![
        endpoint(M::GET, "/", home::show),
        endpoint(M::GET, "/products", products::index),
        endpoint(M::GET, "/products/{slug}", products::show),
        endpoint(M::GET, "/register", auth::register_form),
        endpoint(M::POST, "/register", auth::register),
        endpoint(M::GET, "/login", auth::login_form),
        endpoint(M::POST, "/login", auth::login),
        endpoint(
            M::POST,
            "/passkeys/login/options",
            passkeys::sign_in_options,
        ),
        endpoint(M::POST, "/passkeys/login", passkeys::sign_in),
        endpoint(M::GET, "/login/two-factor", auth::second_step_form),
        endpoint(M::POST, "/login/two-factor", auth::second_step),
        endpoint(M::POST, "/logout", auth::logout),
        endpoint(M::GET, "/password/forgot", recovery::forgot_form),
        endpoint(M::POST, "/password/forgot", recovery::forgot),
        endpoint(M::GET, "/password/reset", recovery::reset_form),
        endpoint(M::POST, "/password/reset", recovery::reset),
        endpoint(M::GET, "/password/reset/{token}", recovery::open_link),
        endpoint(M::POST, "/password/reset/{token}", recovery::reset_by_link),
        endpoint(M::GET, "/verify-email", email::show),
        endpoint(M::POST, "/verify-email", email::confirm),
        endpoint(M::POST, "/verify-email/resend", email::resend),
        endpoint(M::GET, "/verify-email/{token}", email::open_link),
        endpoint(M::POST, "/verify-email/{token}", email::confirm_by_link),
        endpoint(M::GET, "/confirm-password", account::confirm_form),
        endpoint(M::POST, "/confirm-password", account::confirm),
        endpoint(
            M::POST,
            "/passkeys/confirm/options",
            passkeys::confirm_options,
        ),
        endpoint(M::POST, "/passkeys/confirm", passkeys::confirm),
        endpoint(M::GET, "/profile", profile::show),
        endpoint(M::POST, "/profile", profile::update_name),
        endpoint(M::POST, "/profile/password", profile::change_password),
        endpoint(M::POST, "/profile/email", email::change),
        endpoint(M::GET, "/profile/sessions", logins::index),
        endpoint(
            M::POST,
            "/profile/sessions/revoke-others",
            logins::revoke_others,
        ),
        endpoint(M::POST, "/profile/sessions/{handle}/revoke", logins::revoke),
        endpoint(M::GET, "/profile/security", two_factor::show),
        endpoint(
            M::POST,
            "/profile/security/browsers/forget",
            two_factor::forget_browsers,
        ),
        endpoint(
            M::POST,
            "/profile/two-factor/setup",
            two_factor::begin_setup,
        ),
        endpoint(M::GET, "/profile/two-factor/setup", two_factor::setup),
        endpoint(M::POST, "/profile/two-factor/enable", two_factor::enable),
        endpoint(M::POST, "/profile/two-factor/disable", two_factor::disable),
        endpoint(
            M::POST,
            "/profile/two-factor/recovery-codes",
            two_factor::renew_codes,
        ),
        endpoint(M::POST, "/passkeys/register/options", passkeys::add_options),
        endpoint(M::POST, "/passkeys/register", passkeys::add),
        endpoint(M::POST, "/profile/passkeys/{id}/delete", passkeys::remove),
        endpoint(M::POST, "/account/delete", account::delete),
        endpoint(M::GET, "/goodbye", account::goodbye),
        endpoint(M::GET, "/preferences", preferences::show),
        endpoint(M::POST, "/preferences", preferences::update),
        endpoint(M::GET, "/cart", cart::show),
        endpoint(M::POST, "/cart/items", cart::add),
        endpoint(M::POST, "/cart/items/{product_id}", cart::set),
        endpoint(M::POST, "/cart/clear", cart::clear),
        endpoint(M::POST, "/checkout", orders::checkout),
        endpoint(M::GET, "/orders", orders::index),
        endpoint(M::GET, "/orders/{id}", orders::show),
        endpoint(M::GET, "/session", session_inspector::show),
        endpoint(M::GET, "/tour", tour::show),
        endpoint(M::GET, "/dev/mail", dev_mail::index),
        endpoint(M::GET, "/dev/mail/{id}", dev_mail::show),
        endpoint(M::GET, "/dev/mail/{id}/html", dev_mail::html),
        endpoint(M::GET, "/healthz", health::check),
        endpoint(M::GET, "/livez", health::live),
        endpoint(M::GET, "/readyz", health::ready),
        endpoint(M::GET, "/static/{path:.+}", assets::serve),
    ]
}

/// Registers the table: one resource per path, with a 405 and an `Allow`
/// header for a method the path does not take.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<(&'static str, Vec<Endpoint>)> = Vec::new();
    for endpoint in table() {
        match paths.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, endpoints)) => endpoints.push(endpoint),
            None => paths.push((endpoint.path, vec![endpoint])),
        }
    }
    for (path, endpoints) in paths {
        let mut allow = Vec::new();
        for endpoint in &endpoints {
            allow.push(endpoint.method.as_str());
            if endpoint.method == Method::GET {
                allow.push("HEAD");
            }
        }
        let allow = allow.join(", ");
        let mut resource = web::resource(path);
        for endpoint in endpoints {
            resource = resource.route(endpoint.route);
        }
        cfg.service(resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move {
                HttpResponse::MethodNotAllowed()
                    .insert_header((header::ALLOW, allow))
                    .finish()
            }
        })));
    }
}

/// Anything not in the table.
pub(crate) async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
