//! The route table: every URL of the shop, in one place (DESIGN.md, "HTTP
//! contract"). One module per resource; a handler reads like the story of
//! its page.

mod account;
mod auth;
mod cart;
mod health;
mod home;
mod orders;
mod preferences;
mod products;
mod profile;
mod session_inspector;
mod sessions;

use actix_web::web::{self, get, post, resource};

use crate::errors::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", get().to(home::show))
        .route("/products", get().to(products::index))
        .route("/products/{slug}", get().to(products::show))
        .service(
            resource("/register")
                .get(auth::register_form)
                .post(auth::register),
        )
        .service(resource("/login").get(auth::login_form).post(auth::login))
        .route("/logout", post().to(auth::logout))
        .service(
            resource("/profile")
                .get(profile::show)
                .post(profile::update_name),
        )
        .route("/profile/password", post().to(profile::change_password))
        .route("/profile/sessions", get().to(sessions::index))
        .route(
            "/profile/sessions/revoke-others",
            post().to(sessions::revoke_others),
        )
        .route(
            "/profile/sessions/{handle}/revoke",
            post().to(sessions::revoke),
        )
        .route("/account/delete", post().to(account::delete))
        .route("/goodbye", get().to(account::goodbye))
        .service(
            resource("/preferences")
                .get(preferences::show)
                .post(preferences::update),
        )
        .route("/cart", get().to(cart::show))
        .route("/cart/items", post().to(cart::add))
        .route("/cart/items/{product_id}", post().to(cart::set))
        .route("/cart/clear", post().to(cart::clear))
        .route("/checkout", post().to(orders::checkout))
        .route("/orders", get().to(orders::index))
        .route("/orders/{id}", get().to(orders::show))
        .route("/session", get().to(session_inspector::show))
        .route("/healthz", get().to(health::check));
}

/// Anything not in the table. (Taking the visitor lets the 404 page show
/// the visitor's own navigation and theme.)
pub async fn not_found(
    _visitor: crate::auth::Visitor,
) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
