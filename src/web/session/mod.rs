//! The session of a request, from the cookie to the store and back: the one
//! adapter between the plain `SessionState` that the use cases read and
//! return, and wherever `SESSION_STORE` keeps it. No other code knows which
//! store is in use, and no other code writes a session cookie.
//!
//! On the way in (`AppSession::of`, the first time something asks), the
//! session cookie is opened under the current key or a previous one
//! (`cookies`), and what it carries is handed to the store (`store`): the
//! cookie store reads the state out of it, a server-side store looks the key
//! up. No cookie, or one that leads to nothing, is a fresh guest.
//!
//! On the way out (`carry`, the middleware), once per request, the state
//! the request ends with is compared with the one it began with, and only a
//! difference is written:
//!
//! | at the end of the request | the store | the cookie |
//! | --- | --- | --- |
//! | nothing was asked of the session, or nothing changed | nothing | nothing (re-sealed if a previous key opened it) |
//! | the state changed | `update` | the (new) key, sealed |
//! | a new id (sign-in, password change, a login that ended) | `save` the new, `delete` the old | the new key |
//! | ended (sign-out, account deleted) | `delete` | removed |
//! | a fresh guest | cookie store: `save`, on a page view; server store: `save` only once it holds something (`SessionState::is_blank`) | the key; or, server store, the signed CSRF cookie |
//!
//! So a visitor who only looks at pages fills no server-side store (a bot
//! flood of cookieless requests leaves it as it was), yet their forms carry
//! a token: a server-side store keeps it in a signed cookie of its own until
//! the session holds something (`cookies`), then in the state.

mod cookies;
pub mod database;
mod store;

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use actix_session::storage::SessionKey;
use actix_web::{
    body::{BoxBody, EitherBody, MessageBody},
    cookie::{time::Duration as Ttl, Cookie, Key},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{
        header::{HeaderValue, SET_COOKIE},
        Method,
    },
    middleware::Next,
    web, FromRequest, HttpMessage, HttpRequest,
};
use futures_util::future::LocalBoxFuture;
use tokio::sync::OnceCell;

pub use cookies::{open, seal, Keys, Opened};
pub use store::Store;

use crate::{
    config::{SessionStoreKind, Settings},
    error::AppError,
    ids,
    session::{Flash, FlashLevel, SessionState},
    web::app_state,
};

/// The adapter's parts, built once at start (`startup`).
pub struct Sessions {
    store: Store,
    keys: Keys,
    settings: Settings,
}

impl Sessions {
    pub fn new(store: Store, settings: &Settings) -> Sessions {
        let key = |secret: &crate::config::SessionSecret| Key::from(&secret.0);
        Sessions {
            store,
            keys: Keys {
                current: key(&settings.session_secret),
                previous: settings.session_secret_previous.iter().map(key).collect(),
            },
            settings: settings.clone(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn secure(&self) -> bool {
        self.settings.cookie_secure
    }
}

/// The session of the current request. Clones share one state; what it
/// holds when the request ends is written back by `carry`.
#[derive(Clone)]
pub struct AppSession(Rc<Slot>);

struct Slot {
    state: RefCell<SessionState>,
    ended: Cell<bool>,
    /// A HEAD request: the page is not shown, so its flash message stays.
    head: bool,
}

impl AppSession {
    /// The session of `req`: opened the first time it is asked for (one
    /// round trip to a server-side store), then kept in the request for
    /// every later caller.
    pub async fn of(req: &HttpRequest) -> Result<AppSession, AppError> {
        let pending = req
            .extensions()
            .get::<Pending>()
            .cloned()
            .expect("web::session::carry wraps every route");
        let opened = pending.0.get_or_try_init(|| open_session(req)).await?;
        Ok(opened.0.clone())
    }

    /// Looks at the state.
    pub fn read<R>(&self, look: impl FnOnce(&SessionState) -> R) -> R {
        look(&self.0.state.borrow())
    }

    /// A copy of the state, for a use case to read.
    pub fn state(&self) -> SessionState {
        self.read(SessionState::clone)
    }

    /// The state this request ends with, as a use case returned it.
    pub fn set(&self, state: SessionState) {
        debug_assert!(!self.0.ended.get(), "an ended session is not written");
        *self.0.state.borrow_mut() = state;
    }

    /// Changes the state in place; returns what `change` returns.
    pub fn update<R>(&self, change: impl FnOnce(&mut SessionState) -> R) -> R {
        debug_assert!(!self.0.ended.get(), "an ended session is not written");
        change(&mut self.0.state.borrow_mut())
    }

    /// Sign-out, account deletion: the state is deleted and the browser
    /// told to drop the cookie. Nothing more is kept for this request.
    pub fn end(&self) {
        self.0.ended.set(true);
    }

    pub fn id(&self) -> ids::SessionId {
        self.read(|s| s.id.clone())
    }

    pub fn user_id(&self) -> Option<i64> {
        self.read(|s| s.user_id)
    }

    pub fn csrf_token(&self) -> String {
        self.read(|s| s.csrf_token.clone())
    }

    pub fn flash(&self, level: FlashLevel, text: impl Into<String>) {
        let flash = Flash::new(level, text);
        self.update(|s| s.flash = Some(flash));
    }

    /// The message for this page, taken out of the session (kept for a
    /// HEAD request, whose page nobody sees).
    pub fn take_flash(&self) -> Option<Flash> {
        if self.0.head || self.0.ended.get() {
            return self.read(|s| s.flash.clone());
        }
        self.update(|s| s.flash.take())
    }
}

impl FromRequest for AppSession {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { AppSession::of(&req).await })
    }
}

/// What the request began with, for the write-back.
struct Opening {
    /// The key the store keeps the state under, and the state as it was.
    stored: Option<(String, SessionState)>,
    /// The session cookie was sealed under a previous key.
    resealed: bool,
    /// A session cookie came that leads to nothing (no key opens it, it
    /// holds no readable state, its entry is gone): the browser is told to
    /// drop it.
    stale: bool,
    /// A server-side store: the signed CSRF cookie of a visitor without a
    /// stored session.
    csrf: CsrfCookie,
}

#[derive(Default)]
struct CsrfCookie {
    /// One came with the request (valid or not).
    sent: bool,
    /// The token in it, when a key signed it.
    token: Option<String>,
    /// Signed under a previous key: to be signed again.
    old_key: bool,
}

/// The request's session, opened on first use (`AppSession::of`).
#[derive(Clone)]
struct Pending(Rc<OnceCell<(AppSession, Opening)>>);

async fn open_session(req: &HttpRequest) -> Result<(AppSession, Opening), AppError> {
    let sessions = sessions_of(req);
    let now = app_state(req).clock.now();
    let settings = &sessions.settings;
    let server_side = sessions.store.is_server_side();
    let sealed = cookies::request_cookie(req.headers(), settings.cookie_name());
    let (value, resealed) = match sealed.as_ref().map(|c| open(c, &sessions.keys)) {
        Some(Opened::WithCurrentKey(value)) => (Some(value), false),
        Some(Opened::WithPreviousKey(value)) => (Some(value), true),
        Some(Opened::No) => {
            tracing::debug!("a session cookie no key opens: a fresh guest");
            (None, false)
        }
        None => (None, false),
    };
    let mut stored = None;
    if let Some(key) = value.and_then(|v| SessionKey::try_from(v).ok()) {
        if let Some(state) = sessions.store.load(&key).await? {
            // A state past its expiry is of no use, whatever the store's
            // own clock said (a server-side store only: in the cookie, a
            // login's row decides, and says why it ended).
            if server_side && state.expires_at(settings) < now {
                forget(&sessions.store, &key).await;
            } else {
                stored = Some((key.into(), state));
            }
        }
    }
    let csrf = if server_side {
        csrf_cookie(req, &sessions)
    } else {
        CsrfCookie::default()
    };
    let state = match &stored {
        Some((_, state)) => state.clone(),
        None => match &csrf.token {
            Some(token) => SessionState::fresh_with_token(now, token.clone()),
            None => SessionState::fresh(now),
        },
    };
    let session = AppSession(Rc::new(Slot {
        state: RefCell::new(state),
        ended: Cell::new(false),
        head: req.method() == Method::HEAD,
    }));
    let opening = Opening {
        stale: sealed.is_some() && stored.is_none(),
        stored,
        resealed,
        csrf,
    };
    Ok((session, opening))
}

fn csrf_cookie(req: &HttpRequest, sessions: &Sessions) -> CsrfCookie {
    let Some(cookie) = cookies::request_cookie(req.headers(), sessions.settings.csrf_cookie_name())
    else {
        return CsrfCookie::default();
    };
    let (token, old_key) = match cookies::verify(&cookie, &sessions.keys) {
        Opened::WithCurrentKey(token) => (Some(token), false),
        Opened::WithPreviousKey(token) => (Some(token), true),
        Opened::No => (None, false),
    };
    CsrfCookie {
        sent: true,
        token,
        old_key,
    }
}

fn sessions_of(req: &HttpRequest) -> web::Data<Sessions> {
    req.app_data::<web::Data<Sessions>>()
        .expect("Sessions are registered in startup")
        .clone()
}

/// The middleware (`startup` wraps every route in it): makes the request's
/// session available, and writes back what it ends with.
pub async fn carry(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let pending = Pending(Rc::new(OnceCell::new()));
    req.extensions_mut().insert(pending.clone());
    let mut res = next.call(req).await?;
    let Some((session, opening)) = pending.0.get() else {
        // Nothing asked for the session: nothing to write.
        return Ok(res.map_into_left_body());
    };
    let sessions = sessions_of(res.request());
    match write_back(&sessions, session, opening, res.request()).await {
        Ok(cookies) => {
            for cookie in cookies {
                if let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string()) {
                    res.headers_mut().append(SET_COOKIE, value);
                }
            }
            Ok(res.map_into_left_body())
        }
        // The store is away: the page answers 503, and says a change may
        // not have been saved.
        Err(error) => {
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::from_err(error, req).map_into_right_body())
        }
    }
}

/// Writes the state back if it changed; returns the cookies to set.
async fn write_back(
    sessions: &Sessions,
    session: &AppSession,
    opening: &Opening,
    req: &HttpRequest,
) -> Result<Vec<Cookie<'static>>, AppError> {
    let store = &sessions.store;
    let now = app_state(req).clock.now();
    let page_view = matches!(*req.method(), Method::GET | Method::HEAD);
    let state = session.state();
    let mut set = Vec::new();
    let drop_csrf = |set: &mut Vec<Cookie<'static>>| {
        if opening.csrf.sent {
            set.push(cookies::removal(
                sessions.settings.csrf_cookie_name(),
                sessions.secure(),
            ));
        }
    };
    if session.0.ended.get() {
        if let Some((key, _)) = &opening.stored {
            forget(store, &session_key(key)).await;
        }
        if opening.stored.is_some() || opening.stale {
            set.push(cookies::removal(
                sessions.settings.cookie_name(),
                sessions.secure(),
            ));
        }
        drop_csrf(&mut set);
        return Ok(set);
    }
    let ttl = Ttl::seconds((state.expires_at(&sessions.settings) - now).max(1));
    match &opening.stored {
        // A new id: the old state is gone for good.
        Some((key, before)) if before.id != state.id => {
            let new_key = store.save(&state, ttl).await?;
            forget(store, &session_key(key)).await;
            set.push(session_cookie(sessions, new_key, &state));
        }
        // Nothing left worth keeping (the message of a refused change was
        // shown, the cart emptied): a server-side store forgets the entry,
        // and the visitor is one who only looks again.
        Some((key, before)) if *before != state && store.is_server_side() && state.is_blank() => {
            forget(store, &session_key(key)).await;
            set.push(cookies::removal(
                sessions.settings.cookie_name(),
                sessions.secure(),
            ));
            set.push(csrf_cookie_of(sessions, &state));
        }
        Some((key, before)) if *before != state => {
            match store.update(session_key(key), &state, ttl).await {
                Ok(Some(key)) => set.push(session_cookie(sessions, key, &state)),
                // Deleted meanwhile by another request of this browser (a
                // sign-in, a sign-out): it stays deleted, and this answer
                // sets no cookie, so it cannot replace the newer one.
                Ok(None) => {}
                // Only "last seen" to note, and the store cannot take it
                // (a read-only database): the page is still shown.
                Err(err) if state.only_bookkeeping_since(before) => {
                    tracing::warn!(error = %err, "session bookkeeping not written");
                }
                Err(err) => return Err(err),
            }
        }
        Some((key, _)) if opening.resealed => {
            set.push(session_cookie(sessions, session_key(key), &state));
        }
        Some(_) => {}
        None if !state.is_blank() || (!store.is_server_side() && page_view) => {
            let key = store.save(&state, ttl).await?;
            set.push(session_cookie(sessions, key, &state));
            drop_csrf(&mut set);
        }
        // Not worth keeping (a visitor who only looks, on a server-side
        // store; a POST that leaves a fresh state blank, such as a
        // cross-site one, refused): nothing is stored, and a POST answers
        // with no cookie at all, so that a cross-site form cannot replace
        // the visitor's real cookie.
        None => {
            if page_view && opening.stale {
                set.push(cookies::removal(
                    sessions.settings.cookie_name(),
                    sessions.secure(),
                ));
            }
            let csrf = &opening.csrf;
            if page_view && store.is_server_side() && (csrf.token.is_none() || csrf.old_key) {
                set.push(csrf_cookie_of(sessions, &state));
            }
        }
    }
    Ok(set)
}

/// The signed CSRF cookie carrying `state`'s token, for a visitor a
/// server-side store keeps nothing for.
fn csrf_cookie_of(sessions: &Sessions, state: &SessionState) -> Cookie<'static> {
    let name = sessions.settings.csrf_cookie_name();
    let signed = cookies::sign(name, state.csrf_token.clone(), &sessions.keys.current);
    cookies::with_attributes(signed, sessions.secure())
}

/// The session cookie carrying `key`, sealed under the current key: kept
/// by the browser for `SESSION_REMEMBER_ME_TIMEOUT` (a guest's cart waits
/// for them; "keep me signed in"), or, for any other login, until it
/// closes.
fn session_cookie(sessions: &Sessions, key: SessionKey, state: &SessionState) -> Cookie<'static> {
    let settings = &sessions.settings;
    let sealed = seal(settings.cookie_name(), key.into(), &sessions.keys.current);
    let max_age = state
        .cookie_outlives_browser()
        .then(|| Ttl::seconds(settings.session_remember_me_timeout.as_secs() as i64));
    cookies::lasting(cookies::with_attributes(sealed, sessions.secure()), max_age)
}

fn session_key(key: &str) -> SessionKey {
    SessionKey::try_from(key.to_string()).expect("a key the store gave is a valid key")
}

/// Deletes a state that is of no more use. A store that fails here (it is
/// away) leaves an entry that expires by itself, and is as unusable as a
/// deleted one: the login it names is checked against its row, and a guest
/// cart is merged only once (`cart::merge_guest_cart`). So it is logged,
/// and the visitor's request goes on.
async fn forget(store: &Store, key: &SessionKey) {
    if let Err(err) = store.delete(key).await {
        tracing::warn!(error = %err, "a session state could not be deleted; it expires by itself");
    }
}

/// What the inspector shows of where the session is kept.
pub struct Whereabouts {
    pub store: SessionStoreKind,
    /// Whether the store keeps an entry for this session now (a
    /// server-side store; the cookie store's "entry" is the cookie).
    pub stored_on_server: bool,
    /// Seconds until the store forgets the state, as the store says.
    pub remaining: Option<i64>,
    /// Bytes of the state as a store keeps it (its JSON).
    pub state_bytes: usize,
    /// Bytes of the session cookie this request carried (name, `=`, value:
    /// what the browser keeps and sends), if it carried one.
    pub cookie_bytes: Option<usize>,
}

impl Whereabouts {
    /// Where the session of `req` is kept.
    pub async fn of(req: &HttpRequest) -> Result<Whereabouts, AppError> {
        let session = AppSession::of(req).await?;
        let sessions = sessions_of(req);
        let store = &sessions.store;
        let key = req
            .extensions()
            .get::<Pending>()
            .and_then(|p| p.0.get())
            .and_then(|(_, opening)| opening.stored.as_ref().map(|(key, _)| key.clone()))
            .filter(|_| store.is_server_side());
        let now = app_state(req).clock.now();
        let remaining = match &key {
            Some(key) => store.remaining(&session_key(key), now).await?,
            None => None,
        };
        let name = sessions.settings.cookie_name();
        let cookie_bytes = cookies::request_cookie(req.headers(), name)
            .map(|c| c.name().len() + 1 + c.value().len());
        Ok(Whereabouts {
            store: store.kind(),
            stored_on_server: key.is_some(),
            remaining,
            state_bytes: session.read(|s| s.to_store().values().map(String::len).sum()),
            cookie_bytes,
        })
    }
}
