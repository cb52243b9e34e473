//! The typed session: what the session cookie holds, and the only module
//! that knows its keys. Everything else asks `AppSession`.
//!
//! actix-session keeps the whole state in the cookie itself
//! (`CookieSessionStore`), encrypted and authenticated with the app's key
//! (`CookieContentSecurity::Private`, set up in `startup`). A cookie that
//! fails to decrypt is an empty session, and an empty session becomes a
//! fresh anonymous one here.
//!
//! The state is read from the cookie once per request and kept in the
//! request (`AppSession::of`); it is written back only when it changes, and
//! actix-session sends a `Set-Cookie` only for a request that wrote it.
//!
//! What the cookie alone cannot do is be revoked: a copy stays decryptable
//! forever. So a logged-in state also names a row of the `sessions` table,
//! which `auth::check_session` consults on every request.
//! docs/ARCHITECTURE.md, "Sessions", has the whole picture.

use std::{
    cell::{Cell, RefCell},
    fmt,
    rc::Rc,
};

use actix_session::{Session, SessionExt};
use actix_web::{http::Method, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::{
    ids::{self, SessionId},
    prefs::Preferences,
};

/// The single key under which the state is stored in the cookie.
const STATE_KEY: &str = "state";

/// One cart line of a guest: a product id and a quantity, nothing else.
/// Names and prices always come from the database.
pub type GuestCartLine = (i64, u32);

/// The colour of a flash banner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    Success,
    Info,
    Error,
}

impl fmt::Display for FlashLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlashLevel::Success => "success",
            FlashLevel::Info => "info",
            FlashLevel::Error => "error",
        })
    }
}

/// One message for the next page, shown once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
}

/// Why a session id was replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewedFor {
    SignIn,
    PasswordChange,
    /// The login's server-side row was revoked (signed out elsewhere, a
    /// password change elsewhere, the account deleted).
    LoginRevoked,
    /// The login reached its idle or absolute timeout.
    LoginTimedOut,
}

impl RenewedFor {
    /// What the session inspector says about it.
    pub fn explanation(self) -> &'static str {
        match self {
            RenewedFor::SignIn => "renewed at sign-in: a cookie copied before it is now worthless",
            RenewedFor::PasswordChange => {
                "renewed when the password changed: every other session was ended"
            }
            RenewedFor::LoginRevoked => {
                "replaced by a guest session: the login it belonged to was signed out"
            }
            RenewedFor::LoginTimedOut => {
                "replaced by a guest session: the login it belonged to timed out"
            }
        }
    }
}

/// The last time this browser's session id was replaced, for the inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    pub at: i64,
    pub why: RenewedFor,
    /// The old id's fingerprint (`SessionId::fingerprint`), never the id.
    pub previous: String,
}

/// Everything the cookie carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionState {
    /// New at every login. Names the `sessions` row of a login.
    pub id: SessionId,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// Synchronizer token for every form; new at every login.
    pub csrf_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// "Keep me signed in": the only case where a login's cookie outlives
    /// the browser (`web::session_cookie`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remember_me: bool,
    /// Preferences a guest chose; an account keeps its own in the database.
    #[serde(default, skip_serializing_if = "Preferences::is_empty")]
    pub prefs: Preferences,
    /// A guest's cart; an account's cart lives in the database.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cart: Vec<GuestCartLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<Flash>,
    /// When and why the id last changed in this browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed: Option<Renewal>,
}

impl SessionState {
    /// A new anonymous session.
    pub fn fresh(now: i64) -> Self {
        SessionState {
            id: SessionId::random(),
            created_at: now,
            last_seen_at: now,
            csrf_token: ids::token256(),
            user_id: None,
            remember_me: false,
            prefs: Preferences::default(),
            cart: Vec::new(),
            flash: None,
            renewed: None,
        }
    }

    /// A new session for a login: a new id and a new CSRF token, so that
    /// nothing known about the session before is of use after.
    pub fn logged_in(user_id: i64, remember_me: bool, now: i64) -> Self {
        SessionState {
            user_id: Some(user_id),
            remember_me,
            ..SessionState::fresh(now)
        }
    }

    /// Units in a guest's cart.
    pub fn guest_cart_count(&self) -> i64 {
        self.cart.iter().map(|(_, q)| i64::from(*q)).sum()
    }
}

/// Marks a request whose session cookie was sealed under a previous key and
/// re-sealed under the current one (`web::session_keys`): its state is
/// written back, so the browser's copy is under the current key.
#[derive(Clone, Copy)]
pub struct Resealed;

/// The session of the current request, typed. Clones share one state.
#[derive(Clone)]
pub struct AppSession {
    inner: Session,
    state: Rc<RefCell<SessionState>>,
    /// A HEAD request: the page is not shown, so its flash message stays.
    head: bool,
    /// Purged (logout): actix-session ignores any later write, so do we.
    ended: Rc<Cell<bool>>,
}

impl AppSession {
    /// The session of `req`: read from the cookie the first time it is
    /// asked for, then kept in the request for every later caller.
    ///
    /// A missing or unreadable state starts a new anonymous session, and
    /// only a page view (GET or HEAD) saves it, so that its forms carry a
    /// token the next POST can match. A POST that arrives without a session
    /// (a cross-site form: the `SameSite=Lax` cookie stays home) must not
    /// answer with a cookie, or it would overwrite the visitor's real one
    /// and sign them out; it fails the CSRF check instead.
    pub fn of(req: &HttpRequest, now: i64) -> AppSession {
        if let Some(session) = Self::cached(req) {
            return session;
        }
        let inner = req.get_session();
        let stored = inner.get::<SessionState>(STATE_KEY).ok().flatten();
        let is_new = stored.is_none();
        let session = AppSession {
            inner,
            state: Rc::new(RefCell::new(
                stored.unwrap_or_else(|| SessionState::fresh(now)),
            )),
            head: req.method() == Method::HEAD,
            ended: Rc::new(Cell::new(false)),
        };
        if is_new && matches!(*req.method(), Method::GET | Method::HEAD) {
            session.save();
        }
        // Sealed under a previous key (`web::session_keys`): written back,
        // so the browser's copy is under the current key from now on. (A
        // state that could not be read is new, and follows the rule above.)
        if !is_new && req.extensions().get::<Resealed>().is_some() {
            session.save();
        }
        req.extensions_mut().insert(session.clone());
        session
    }

    /// The session of `req` if something in this request already read it.
    pub fn cached(req: &HttpRequest) -> Option<AppSession> {
        req.extensions().get::<AppSession>().cloned()
    }

    /// Looks at the state.
    pub fn read<R>(&self, look: impl FnOnce(&SessionState) -> R) -> R {
        look(&self.state.borrow())
    }

    /// Changes the state and writes it back; returns what `change` returns.
    /// After `purge`, nothing is written: the cookie is gone.
    pub fn update<R>(&self, change: impl FnOnce(&mut SessionState) -> R) -> R {
        let result = change(&mut self.state.borrow_mut());
        self.save();
        result
    }

    fn save(&self) {
        debug_assert!(!self.ended.get(), "a purged session is not written");
        if self.ended.get() {
            return;
        }
        // Serializing this struct cannot fail (strings, numbers, vectors).
        let _ = self.inner.insert(STATE_KEY, &*self.state.borrow());
    }

    pub fn id(&self) -> SessionId {
        self.read(|s| s.id.clone())
    }

    pub fn user_id(&self) -> Option<i64> {
        self.read(|s| s.user_id)
    }

    pub fn csrf_token(&self) -> String {
        self.read(|s| s.csrf_token.clone())
    }

    /// Whether the cookie should outlive the browser: a guest's does (their
    /// cart waits for them), a login's only with "keep me signed in".
    pub fn cookie_outlives_browser(&self) -> bool {
        self.read(|s| s.user_id.is_none() || s.remember_me)
    }

    /// Replaces the session with `state` under a new cookie (login,
    /// password change): the old cookie's contents are gone for good. The
    /// new state remembers when and why, and the old id's fingerprint.
    pub fn start(&self, mut state: SessionState, why: RenewedFor) {
        state.renewed = Some(Renewal {
            at: state.created_at,
            why,
            previous: self.read(|old| old.id.fingerprint()),
        });
        *self.state.borrow_mut() = state;
        self.inner.renew();
        self.save();
    }

    /// Replaces a login whose server row is gone or ended with a fresh
    /// anonymous session, with `flash` saying why.
    pub fn reset_to_guest(&self, now: i64, flash: Option<Flash>, why: RenewedFor) {
        let guest = SessionState {
            flash,
            ..SessionState::fresh(now)
        };
        self.start(guest, why);
    }

    /// Logout: the browser is told to delete the cookie. Nothing more is
    /// written in this request.
    pub fn purge(&self) {
        let now = self.read(|s| s.last_seen_at);
        *self.state.borrow_mut() = SessionState::fresh(now);
        self.inner.purge();
        self.ended.set(true);
    }

    /// Notes activity at most once a minute, so most requests do not
    /// re-issue the cookie.
    pub fn touch(&self, now: i64) {
        if now - self.read(|s| s.last_seen_at) >= 60 {
            self.update(|s| s.last_seen_at = now);
        }
    }

    pub fn flash(&self, level: FlashLevel, text: impl Into<String>) {
        let flash = Flash {
            level,
            text: text.into(),
        };
        self.update(|s| s.flash = Some(flash));
    }

    /// The message for this page, removed from the session (kept for a
    /// HEAD request, whose page nobody sees).
    pub fn take_flash(&self) -> Option<Flash> {
        let flash = self.read(|s| s.flash.clone())?;
        if !self.head {
            self.update(|s| s.flash = None);
        }
        Some(flash)
    }
}
