//! `GET /session`: what your session holds, in plain view. Part of the
//! lesson: the cookie is the session, so here is everything it carries
//! (minus the CSRF token) and every rule that limits its life.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::{
    error::Result,
    state::AppState,
    web::{
        extract::Visitor,
        page::{filters, render, Layout},
    },
};

/// Browsers refuse cookies larger than this (name + value).
const COOKIE_LIMIT: usize = 4096;

#[derive(Template)]
#[template(path = "session.html")]
struct InspectorPage {
    layout: Layout,
    /// A digest of the session id: it changes when the id does, and shows
    /// nothing of the id itself (a secret: whoever has it is you).
    id_fingerprint: String,
    logged_in_as: Option<String>,
    now: i64,
    created_at: i64,
    last_seen_at: i64,
    /// Server-side deadlines; only a login has them.
    idle_deadline: Option<i64>,
    absolute_deadline: Option<i64>,
    cookie_name: String,
    cookie_secure: bool,
    /// `None`: a browser-session cookie.
    cookie_max_age: Option<i64>,
    /// Size of the cookie this request carried, if it carried one.
    cookie_bytes: Option<usize>,
    cookie_limit: usize,
    state_json: String,
}

impl InspectorPage {
    fn cookie_percent(&self) -> usize {
        self.cookie_bytes.unwrap_or(0) * 100 / self.cookie_limit
    }
}

pub async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let settings = &app.settings;
    let layout = visitor.layout();
    let state = visitor.session.read(|s| s.clone());
    let idle = settings.session_idle_timeout.as_secs() as i64;
    let cookie_name = settings.cookie_name().to_string();
    let cookie_bytes = req
        .cookie(&cookie_name)
        .map(|c| c.name().len() + 1 + c.value().len());

    let mut shown = serde_json::to_value(&state)?;
    shown["csrf_token"] = "(hidden: it protects your forms)".into();
    let id_fingerprint = state.id.fingerprint();
    shown["id"] = format!("(secret; its fingerprint is {id_fingerprint})").into();

    render(InspectorPage {
        layout,
        id_fingerprint,
        logged_in_as: visitor.user.as_ref().map(|me| me.user.email.clone()),
        now: app.clock.now(),
        created_at: state.created_at,
        last_seen_at: state.last_seen_at,
        idle_deadline: visitor.user.as_ref().map(|me| me.last_seen_at + idle),
        absolute_deadline: visitor.user.as_ref().map(|me| me.expires_at),
        cookie_name,
        cookie_secure: settings.cookie_secure,
        // A login without "keep me signed in" has a browser-session cookie.
        cookie_max_age: visitor
            .session
            .cookie_outlives_browser()
            .then_some(settings.session_remember_me_timeout.as_secs() as i64),
        cookie_bytes,
        cookie_limit: COOKIE_LIMIT,
        state_json: serde_json::to_string_pretty(&shown)?,
    })
}
