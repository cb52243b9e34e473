//! The web glue between HTTP and the services: the session of a request,
//! from its cookie to its store and back (`session`), who is asking
//! (`extract`), CSRF protection (`csrf`), reading forms (`form`), the page
//! layout and rendering (`page`), what an error answers (`errors`) and
//! its page (`error_page`), response
//! headers (`security`), logs and metrics (`telemetry`) and the static
//! files of `STATIC_DIR` (`assets`, through actix-files). Handlers in `routes` use these; nothing here
//! runs SQL of its own (the database session store's is in
//! `data::repo::session_store`).

pub mod assets;
pub mod csrf;
pub mod error_page;
pub mod errors;
pub mod extract;
pub mod form;
pub mod page;
pub mod security;
pub mod session;
pub mod telemetry;

use actix_web::{web::Data, HttpRequest};

use crate::services::state::AppState;

/// The application state of a request (registered in `startup`): what
/// every part of the glue reads its settings, clock and pool from.
pub fn app_state(req: &HttpRequest) -> Data<AppState> {
    req.app_data::<Data<AppState>>()
        .expect("AppState is registered in startup")
        .clone()
}
