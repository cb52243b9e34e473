//! The typed session: the only module that knows what the session cookie
//! holds and under which key.
//!
//! actix-session keeps the whole state in the cookie itself
//! (`CookieSessionStore`), encrypted and authenticated with the app's key
//! (`CookieContentSecurity::Private`). A cookie that fails to decrypt is an
//! empty session, and an empty session becomes a fresh anonymous one here.
//!
//! What the cookie alone cannot do is be revoked: a copy stays decryptable
//! forever. So a logged-in state also names a row of the `sessions` table,
//! and `auth::Visitor` checks that row on every request.

use actix_session::{Session, SessionExt};
use actix_web::{
    body::MessageBody,
    cookie::Cookie,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{
        header::{HeaderValue, SET_COOKIE},
        Method,
    },
    middleware::Next,
    FromRequest, HttpRequest,
};
use serde::{Deserialize, Serialize};
use std::future::{ready, Ready};

use crate::{clock::Clock, errors::AppError, ids};

/// The single key under which the state is stored.
const STATE_KEY: &str = "state";

/// One cart line of a guest: a product id and a quantity, nothing else.
/// Names and prices always come from the database.
pub type GuestCartLine = (i64, u32);

/// Theme and page size chosen by a guest in this session.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Preferences {
    pub theme: String,
    pub page_size: i64,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            theme: "system".into(),
            page_size: 12,
        }
    }
}

/// What a guest chose in this session, field by field: a field the guest
/// never touched stays `None`, so at login it does not overwrite the
/// account's own choice.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChosenPreferences {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
}

impl ChosenPreferences {
    pub fn is_empty(&self) -> bool {
        self.theme.is_none() && self.page_size.is_none()
    }

    /// `base` with the chosen fields put over it.
    pub fn over(&self, base: Preferences) -> Preferences {
        Preferences {
            theme: self.theme.clone().unwrap_or(base.theme),
            page_size: self.page_size.unwrap_or(base.page_size),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `success`, `info` or `error`: picks the banner's colour.
    pub level: String,
    pub text: String,
}

/// Everything the cookie carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionState {
    /// 128 random bits; new at every login. Names the `sessions` row.
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// Synchronizer token for every form; new at every login.
    pub csrf_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// "Keep me signed in": the only case where a login's cookie outlives
    /// the browser (see `login_cookie_lifetime`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember_me: bool,
    /// Preferences a guest changed; users keep theirs in the database.
    #[serde(default, skip_serializing_if = "ChosenPreferences::is_empty")]
    pub prefs: ChosenPreferences,
    /// A guest's cart; a user's cart lives in the database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cart: Vec<GuestCartLine>,
    /// One message for the next page, shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<Flash>,
}

impl SessionState {
    fn fresh(now: i64) -> Self {
        SessionState {
            id: ids::token128(),
            created_at: now,
            last_seen_at: now,
            csrf_token: ids::token256(),
            user_id: None,
            remember_me: false,
            prefs: ChosenPreferences::default(),
            cart: Vec::new(),
            flash: None,
        }
    }
}

/// The session of the current request, typed.
#[derive(Clone)]
pub struct AppSession {
    inner: Session,
    clock: Clock,
    /// Whether a request without a session may start one (see `state`).
    may_start: bool,
}

impl AppSession {
    /// A session for a request; only a GET or HEAD may start a new one.
    pub fn for_request(req: &HttpRequest, clock: Clock) -> Self {
        AppSession {
            inner: req.get_session(),
            clock,
            may_start: matches!(*req.method(), Method::GET | Method::HEAD),
        }
    }

    /// The current state; a missing or unreadable state starts a new
    /// anonymous session.
    ///
    /// Only a page view (GET) saves that new session, so its forms carry a
    /// token the next POST can match. A POST that arrives without a session
    /// (a cross-site form: the `SameSite=Lax` cookie stays home) must not
    /// answer with a cookie, or it would overwrite the visitor's real one
    /// and sign them out; it fails the CSRF check instead.
    pub fn state(&self) -> SessionState {
        match self.inner.get::<SessionState>(STATE_KEY) {
            Ok(Some(state)) => state,
            _ => {
                let state = SessionState::fresh(self.clock.now());
                if self.may_start {
                    self.save(&state);
                }
                state
            }
        }
    }

    /// Reads, changes and writes back the state; returns what `change` returns.
    pub fn update<R>(&self, change: impl FnOnce(&mut SessionState) -> R) -> R {
        let mut state = self.state();
        let result = change(&mut state);
        self.save(&state);
        result
    }

    fn save(&self, state: &SessionState) {
        // Serializing this struct cannot fail (strings, numbers, vectors).
        let _ = self.inner.insert(STATE_KEY, state);
    }

    pub fn csrf_token(&self) -> String {
        self.state().csrf_token
    }

    /// Logs `user_id` in: a new cookie, a new session id and a new CSRF
    /// token, so whatever was known about the old session is useless.
    /// Returns the new session id (the `sessions` row to write).
    pub fn start_login(&self, user_id: i64, remember_me: bool) -> String {
        let now = self.clock.now();
        let mut state = SessionState::fresh(now);
        state.user_id = Some(user_id);
        state.remember_me = remember_me;
        self.inner.renew();
        self.save(&state);
        state.id
    }

    /// Replaces a logged-in state whose server row is gone or expired with a
    /// fresh anonymous one.
    pub fn reset_to_guest(&self, flash: Option<Flash>) {
        let mut state = SessionState::fresh(self.clock.now());
        state.flash = flash;
        self.inner.renew();
        self.save(&state);
    }

    /// Logout: the cookie is removed from the browser.
    pub fn purge(&self) {
        self.inner.purge();
    }

    /// Notes activity at most once a minute, so most requests do not
    /// re-issue the cookie.
    pub fn touch(&self) {
        let now = self.clock.now();
        if now - self.state().last_seen_at >= 60 {
            self.update(|s| s.last_seen_at = now);
        }
    }

    pub fn flash(&self, level: &str, text: impl Into<String>) {
        let text = text.into();
        self.update(|s| {
            s.flash = Some(Flash {
                level: level.into(),
                text,
            })
        });
    }

    pub fn take_flash(&self) -> Option<Flash> {
        // Only write the cookie when there was something to take.
        self.state().flash.as_ref()?;
        self.update(|s| s.flash.take())
    }
}

impl FromRequest for AppSession {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let clock = req
            .app_data::<actix_web::web::Data<crate::startup::AppState>>()
            .map(|state| state.clock.clone())
            .unwrap_or_default();
        ready(Ok(AppSession::for_request(req, clock)))
    }
}

/// Marks a response whose login cookie must not outlive the browser.
struct BrowserSessionCookie;

/// Middleware *inside* the session middleware, where the state is still
/// readable: notes when the response belongs to a login without "keep me
/// signed in".
pub async fn note_cookie_lifetime(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    let mut res = next.call(req).await?;
    let state = session.get::<SessionState>(STATE_KEY).ok().flatten();
    if state.is_some_and(|s| s.user_id.is_some() && !s.remember_me) {
        res.response_mut()
            .extensions_mut()
            .insert(BrowserSessionCookie);
    }
    Ok(res)
}

/// Middleware *outside* the session middleware, which has written the
/// cookie by then: a login without "keep me signed in" gets a
/// browser-session cookie (no `Max-Age`), gone when the browser closes.
/// actix-session gives every cookie one lifetime (the remember-me one), so
/// the difference is made here. Guests keep the lifetime (their cart is
/// meant to wait for them); removal cookies (logout) are left alone.
pub async fn apply_cookie_lifetime(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if res
        .response()
        .extensions()
        .get::<BrowserSessionCookie>()
        .is_none()
    {
        return Ok(res);
    }
    let rewritten: Vec<HeaderValue> = res
        .headers()
        .get_all(SET_COOKIE)
        .filter_map(|value| {
            let mut cookie = Cookie::parse(value.to_str().ok()?.to_string()).ok()?;
            let removal = cookie.max_age().is_some_and(|age| age.is_zero());
            if !removal {
                cookie.set_max_age(None);
                cookie.unset_expires();
            }
            HeaderValue::from_str(&cookie.to_string()).ok()
        })
        .collect();
    let headers = res.headers_mut();
    headers.remove(SET_COOKIE);
    for value in rewritten {
        headers.append(SET_COOKIE, value);
    }
    Ok(res)
}
