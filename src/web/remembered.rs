//! The cookie of a browser remembered for two-step sign-in ("don't ask
//! again on this browser", [`services::auth::two_factor`]): a random token,
//! signed, in a cookie of its own (`remembered`; `__Host-remembered` when
//! `COOKIE_SECURE`), with the session cookie's attributes. It is not the
//! session: a sign-out keeps it (and so sends `Clear-Site-Data` without
//! `"cookies"`, [`page::Erase`]), and it opens nothing by itself: at the
//! password step, the account looks its digest up, and forgets it at every
//! change of its credentials.
//!
//! [`services::auth::two_factor`]: crate::services::auth::two_factor
//! [`page::Erase`]: crate::web::page::Erase

use actix_web::{cookie::Cookie, HttpRequest};

use crate::{services::auth::two_factor::REMEMBER_BROWSER_FOR, web::app_state, web::session};

fn name(req: &HttpRequest) -> &'static str {
    app_state(req).settings.remembered_cookie_name()
}

/// The token of this browser's cookie, when the shop signed it.
pub(crate) fn token(req: &HttpRequest) -> Option<String> {
    session::signed_value(req, name(req))
}

/// The cookie that remembers this browser by `token`.
pub(crate) fn cookie(req: &HttpRequest, token: String) -> Cookie<'static> {
    session::signed_cookie(req, name(req), token, REMEMBER_BROWSER_FOR)
}

/// The cookie that makes this browser forget it was remembered.
pub(crate) fn removal(req: &HttpRequest) -> Cookie<'static> {
    session::cookie_removal(req, name(req))
}
