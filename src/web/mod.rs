//! The web glue between HTTP and the services: the session of a request,
//! from its cookie to its store and back ([`session`]), who is asking
//! ([`extract`]), the cookie of a browser remembered for two-step sign-in
//! ([`remembered`]), CSRF protection ([`csrf`]), reading forms ([`form`]), the page
//! layout and rendering ([`page`]), what an error answers ([`errors`]) and
//! its page ([`error_page`]), response
//! headers ([`security`]), logs and metrics ([`telemetry`]) and the static
//! files of `STATIC_DIR` ([`assets`], through actix-files). Handlers in [`routes`] use these; nothing here
//! runs SQL of its own (the database session store's is in
//! [`data::repo::session_store`]).
//!
//! [`session`]: crate::web::session
//! [`extract`]: crate::web::extract
//! [`remembered`]: crate::web::remembered
//! [`csrf`]: crate::web::csrf
//! [`form`]: crate::web::form
//! [`page`]: crate::web::page
//! [`errors`]: crate::web::errors
//! [`error_page`]: crate::web::error_page
//! [`security`]: crate::web::security
//! [`telemetry`]: crate::web::telemetry
//! [`assets`]: crate::web::assets

pub mod assets;
pub(crate) mod csrf;
pub(crate) mod error_page;
pub(crate) mod errors;
pub(crate) mod extract;
pub mod form;
pub mod page;
pub(crate) mod remembered;
pub mod security;
pub mod session;
pub(crate) mod telemetry;

use actix_web::{web::Data, HttpRequest};

use crate::services::state::AppState;

/// The application state of a request (registered in [`startup`]): what
/// every part of the glue reads its settings, clock and pool from.
///
/// [`startup`]: crate::app::startup
fn app_state(req: &HttpRequest) -> Data<AppState> {
    req.app_data::<Data<AppState>>()
        .expect("AppState is registered in startup")
        .clone()
}
