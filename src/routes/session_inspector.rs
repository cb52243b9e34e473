//! `GET /session`: what your session holds, in plain view, and where: in
//! the cookie itself or in a server-side store, whose entry and remaining
//! lifetime it shows. Part of the lesson: here is everything the session
//! carries (minus the CSRF token), every rule that limits its life, and
//! what a stolen copy of the cookie could do with the store in use.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::tour;
use crate::{
    data::error::Result,
    domain::config::SessionStoreKind,
    domain::session::{Renewal, SessionState},
    services::state::AppState,
    web::{
        extract::Visitor,
        page::{filters, render, Layout},
        session::WhereKept,
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
    /// When the password was last typed, and until when that lets the
    /// riskiest changes through (sudo mode): a login's only.
    password_confirmed_at: Option<i64>,
    sudo_until: Option<i64>,
    cookie_name: String,
    cookie_secure: bool,
    /// `None`: a browser-session cookie.
    cookie_max_age: Option<i64>,
    /// Size of the cookie this request carried, if it carried one.
    cookie_bytes: Option<usize>,
    cookie_limit: usize,
    /// How long a guest's state is kept (`SESSION_REMEMBER_ME_TIMEOUT`).
    guest_for: i64,
    state_json: String,
    /// When and why the id last changed in this browser.
    renewed: Option<Renewal>,
    /// A login's "keep me signed in"; `None` for a guest.
    remember_me: Option<bool>,
    /// A sign-in waiting for its second factor: until when, and the
    /// wrong codes typed so far. Not a login.
    second_step: Option<(i64, u32)>,
    /// The step of the tour (`/tour`) that explains what is on this page.
    tour_step: &'static str,
    /// Where the state is kept, and for how long.
    kept: WhereKept,
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let kept = WhereKept::of(&req).await?;
    render(InspectorPage::new(&app, &visitor, kept)?)
}

impl InspectorPage {
    fn new(app: &AppState, visitor: &Visitor, kept: WhereKept) -> Result<Self> {
        let settings = &app.settings;
        let state = visitor.session.read(SessionState::clone);
        let id_fingerprint = state.id.fingerprint();
        // The state as the cookie holds it, minus its secrets.
        let mut shown = serde_json::to_value(&state)?;
        shown["csrf_token"] = "(hidden: it protects your forms)".into();
        shown["id"] = format!("(secret; its fingerprint is {id_fingerprint})").into();
        let held_links = shown.get_mut("held_links").and_then(|h| h.as_array_mut());
        for held in held_links.into_iter().flatten() {
            held["digest"] =
                "(the link's digest: it opens nothing, and is hidden all the same)".into();
        }
        if let Some(step) = shown.get_mut("second_step") {
            step["proof"] =
                "(a digest of the password's hash: a new password ends the step)".into();
        }
        if let Some(ceremony) = shown.get_mut("passkey_ceremony") {
            ceremony["state"] =
                "(the challenge your device is to sign, and what checks its answer)".into();
        }
        if let Some(setup) = shown.get_mut("totp_setup") {
            *setup = "(the new secret, sealed: the setup page shows it to you)".into();
        }
        let idle = settings.session_idle_timeout.get();
        let remember = settings.session_remember_me_timeout.get();
        let login = visitor.user.as_ref();
        Ok(InspectorPage {
            layout: visitor.layout(),
            id_fingerprint,
            logged_in_as: login.map(|me| me.user.email.clone()),
            now: app.clock.now(),
            created_at: state.created_at,
            last_seen_at: state.last_seen_at,
            // "Keep me signed in" has no idle timeout, only its 30 days.
            idle_deadline: login
                .filter(|me| !me.remember_me)
                .map(|me| me.last_seen_at + idle),
            absolute_deadline: login.map(|me| me.expires_at),
            password_confirmed_at: login.and(state.password_confirmed_at),
            sudo_until: login.and_then(|_| {
                let window = settings.reauth_window.get();
                state.sudo_until(app.clock.now(), window)
            }),
            cookie_name: settings.cookie_name().to_string(),
            cookie_secure: settings.cookie_secure,
            // A login without "keep me signed in" has a browser-session cookie.
            cookie_max_age: state.cookie_outlives_browser().then_some(remember),
            cookie_bytes: kept.cookie_bytes,
            cookie_limit: COOKIE_LIMIT,
            guest_for: remember,
            state_json: serde_json::to_string_pretty(&shown)?,
            renewed: state.renewed.clone(),
            second_step: state
                .second_step
                .as_ref()
                .map(|step| (step.until, step.wrong_codes)),
            remember_me: login.map(|me| me.remember_me),
            tour_step: tour::step_for(&state),
            kept,
        })
    }

    /// Whether the state lives on the server (the cookie carries a key).
    fn server_side(&self) -> bool {
        self.kept.store != SessionStoreKind::Cookie
    }

    /// The store, as a reader would name it.
    fn store_name(&self) -> &'static str {
        match self.kept.store {
            SessionStoreKind::Cookie => "the cookie itself",
            SessionStoreKind::Database => "the shop's database (table session_store)",
            SessionStoreKind::Redis => "Redis",
        }
    }

    fn cookie_percent(&self) -> usize {
        self.cookie_bytes.unwrap_or(0) * 100 / self.cookie_limit
    }
}
