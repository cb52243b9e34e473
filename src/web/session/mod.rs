//! The session of a request, from the cookie to the store and back: the one
//! adapter between the plain [`SessionState`] that the use cases read and
//! change, and wherever `SESSION_STORE` keeps it. No other code knows which
//! store is in use, and no other code writes a session cookie.
//!
//! On the way in ([`RequestSession::of`], the first time something asks), the
//! session cookie is opened under the current key or a previous one
//! ([`cookies`]), and what it carries is handed to the store ([`store`]): the
//! cookie store reads the state out of it, a server-side store looks the key
//! up. No cookie, or one that leads to nothing, is a fresh guest.
//!
//! On the way out ([`middleware`], the middleware), once per request, the table
//! of [`write_back`] decides what to store and which cookies to send, from
//! what the cookie led to, what the request did to the session and the
//! store; this module carries the decision out. A change to a server-side
//! entry is a compare-and-set: the changes a request made are kept as
//! values ([`RequestSession::update`]), and when another request of the same
//! session saved first, they are applied again to the state it saved, so
//! that neither change is lost. The cookie store cannot do that: the
//! browser keeps whichever cookie it was sent last.
//!
//! So a visitor who only looks at pages fills no server-side store (a bot
//! flood of cookieless requests leaves it as it was), yet their forms carry
//! a token: it rides in a signed cookie of its own ([`cookies`]) until the
//! session holds something, then in the state. And a client that keeps
//! sending the cookies of its first visit cannot grow a store by more than
//! `NEW_SESSIONS_PER_CLIENT_PER_MINUTE` entries a minute.
//!
//! [`write_back`]: mod@crate::web::session::write_back

mod cookies;
pub(crate) mod database;
mod entry;
mod redis;
mod store;
pub mod write_back;

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

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
// `web::session::ServerStore` is its name in the docs (docs/ARCHITECTURE.md).
pub(crate) use store::ServerStore;
pub use store::{Store, Swap};
use store::{StoreKey, Stored};
use write_back::{Brought, CookieWrite, Csrf, Did, StoreWrite};

use crate::{
    data::error::AppError,
    domain::client::ClientInfo,
    domain::config::{SessionStoreKind, Settings},
    domain::session::{Flash, FlashLevel, SessionState},
    services::auth,
    web::app_state,
};

/// The adapter's parts, built once at start ([`startup`]).
///
/// [`startup`]: crate::app::startup
pub(crate) struct SessionAdapter {
    store: Store,
    keys: Keys,
    settings: Settings,
}

impl SessionAdapter {
    pub(crate) fn new(store: Store, settings: &Settings) -> SessionAdapter {
        let key = |secret: &crate::domain::config::SessionSecret| Key::from(&secret.0);
        SessionAdapter {
            store,
            keys: Keys {
                current: key(&settings.session_secret),
                previous: settings.session_secret_previous.iter().map(key).collect(),
            },
            settings: settings.clone(),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn secure(&self) -> bool {
        self.settings.cookie_secure
    }
}

/// One change a request made to its session state, kept as a value so
/// that it can be applied again to a newer state ([`middleware`]). It must say
/// what changes, not what the state becomes: "add this line", not "the
/// cart is now this".
type Change = Rc<dyn Fn(&mut SessionState)>;

/// The session of the current request. Clones share one state; what it
/// holds when the request ends is written back by [`middleware`].
#[derive(Clone)]
pub(crate) struct RequestSession(Rc<Tracked>);

struct Tracked {
    /// The state the request began with (for a login found ended, the
    /// guest that took its place).
    began: RefCell<SessionState>,
    /// The state it ends with, so far.
    state: RefCell<SessionState>,
    /// How it got from one to the other (since the last renewal).
    changes: RefCell<Vec<Change>>,
    ended: Cell<bool>,
    /// The state the cookie led to was a login whose row ended.
    ended_login: Cell<bool>,
    /// The token of the signed `csrf` cookie that came, when a key signed
    /// it: a visitor without a stored session keeps it for their forms.
    csrf_cookie_token: Option<String>,
    /// A HEAD request: the page is not shown, so its flash message stays.
    head: bool,
}

impl RequestSession {
    /// The session of `req`: opened the first time it is asked for (one
    /// round trip to a server-side store), then kept in the request for
    /// every later caller.
    pub(crate) async fn of(req: &HttpRequest) -> Result<RequestSession, AppError> {
        let pending = req
            .extensions()
            .get::<Pending>()
            .cloned()
            .expect("web::session::middleware wraps every route");
        let opened = pending.0.get_or_try_init(|| open_session(req)).await?;
        Ok(opened.0.clone())
    }

    /// Looks at the state.
    pub(crate) fn read<R>(&self, look: impl FnOnce(&SessionState) -> R) -> R {
        look(&self.0.state.borrow())
    }

    /// A copy of the state, for a use case to read.
    pub(crate) fn state(&self) -> SessionState {
        self.read(SessionState::clone)
    }

    /// Changes the state, and keeps `change` to apply it again should
    /// another request of this session save first ([`middleware`]). So `change`
    /// must say what changes relative to the state it is given.
    pub(crate) fn update(&self, change: impl Fn(&mut SessionState) + 'static) {
        debug_assert!(!self.0.ended.get(), "an ended session is not written");
        change(&mut self.0.state.borrow_mut());
        self.0.changes.borrow_mut().push(Rc::new(change));
    }

    /// The state this request ends with, with a new id (sign-in, password
    /// change), as a use case returned it: it replaces the old one whole.
    pub(crate) fn renew(&self, state: SessionState) {
        debug_assert!(!self.0.ended.get(), "an ended session is not written");
        debug_assert!(
            state.id != self.read(|s| s.id.clone()),
            "a renewal has a new id"
        );
        *self.0.state.borrow_mut() = state;
        self.0.changes.borrow_mut().clear();
    }

    /// A login whose row ended: the request goes on as `guest`, whose
    /// forms keep the token of the signed `csrf` cookie, if one came.
    pub(crate) fn replace_ended_login(&self, mut guest: SessionState) {
        if let Some(token) = &self.0.csrf_cookie_token {
            guest.csrf_token = token.clone();
        }
        *self.0.began.borrow_mut() = guest.clone();
        *self.0.state.borrow_mut() = guest;
        self.0.changes.borrow_mut().clear();
        self.0.ended_login.set(true);
    }

    /// Sign-out, account deletion: the state is deleted and the browser
    /// told to drop the cookie. Nothing more is kept for this request.
    pub(crate) fn end(&self) {
        self.0.ended.set(true);
    }

    pub(crate) fn csrf_token(&self) -> String {
        self.read(|s| s.csrf_token.clone())
    }

    /// A message for the next page (a later one replaces it).
    pub(crate) fn flash(&self, level: FlashLevel, text: impl Into<String>) {
        let flash = Flash::new(level, text);
        self.update(move |s| s.flash = Some(flash.clone()));
    }

    /// The message for this page, taken out of the session (kept for a
    /// HEAD request, whose page nobody sees). Taken as "the message shown
    /// goes": a newer one another request left meanwhile stays.
    pub(crate) fn take_flash(&self) -> Option<Flash> {
        let shown = self.read(|s| s.flash.clone());
        if self.0.head || self.0.ended.get() {
            return shown;
        }
        if let Some(flash) = shown.clone() {
            self.update(move |s| {
                if s.flash.as_ref() == Some(&flash) {
                    s.flash = None;
                }
            });
        }
        shown
    }
}

impl FromRequest for RequestSession {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { RequestSession::of(&req).await })
    }
}

/// What the request began with, for the write-back.
struct Incoming {
    /// What the session cookie led to.
    brought: Brought,
    /// A server-side store: the entry the cookie named, and what it held.
    stored: Option<(StoreKey, Stored)>,
    /// The signed CSRF cookie of a visitor without a stored session.
    csrf: Csrf,
}

/// The request's session, opened on first use ([`RequestSession::of`]).
#[derive(Clone)]
struct Pending(Rc<OnceCell<(RequestSession, Incoming)>>);

async fn open_session(req: &HttpRequest) -> Result<(RequestSession, Incoming), AppError> {
    let sessions = sessions_of(req);
    let now = app_state(req).clock.now();
    let settings = &sessions.settings;
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
    let (found, stored) = match (sessions.store.server(), value) {
        (_, None) => (None, None),
        (None, Some(json)) => (SessionState::from_json(&json), None),
        (Some(server), Some(key)) => match StoreKey::parse(key) {
            None => (None, None),
            Some(key) => match server.load(&key).await? {
                // A state past its expiry is of no use, whatever the
                // store's own clock said.
                Some(stored) if stored.state.expires_at(settings) < now => {
                    forget(server, &key).await;
                    (None, None)
                }
                Some(stored) => (Some(stored.state.clone()), Some((key, stored))),
                None => (None, None),
            },
        },
    };
    let (csrf, csrf_cookie_token) = csrf_cookie(req, &sessions);
    let brought = match (&found, &sealed) {
        (Some(_), _) => Brought::Found { resealed },
        (None, Some(_)) => Brought::Stale,
        (None, None) => Brought::Nothing,
    };
    let state = found.unwrap_or_else(|| match &csrf_cookie_token {
        Some(token) => SessionState::fresh_with_token(now, token.clone()),
        None => SessionState::fresh(now),
    });
    let session = RequestSession(Rc::new(Tracked {
        began: RefCell::new(state.clone()),
        state: RefCell::new(state),
        changes: RefCell::new(Vec::new()),
        ended: Cell::new(false),
        ended_login: Cell::new(false),
        csrf_cookie_token,
        head: req.method() == Method::HEAD,
    }));
    let opening = Incoming {
        brought,
        stored,
        csrf,
    };
    Ok((session, opening))
}

/// The signed CSRF cookie of the request: what it is, and its token when a
/// key signed it.
fn csrf_cookie(req: &HttpRequest, sessions: &SessionAdapter) -> (Csrf, Option<String>) {
    let name = sessions.settings.csrf_cookie_name();
    let Some(cookie) = cookies::request_cookie(req.headers(), name) else {
        return (Csrf::Nothing, None);
    };
    match cookies::verify(&cookie, &sessions.keys) {
        Opened::WithCurrentKey(token) => (Csrf::Valid, Some(token)),
        Opened::WithPreviousKey(token) => (Csrf::OldKey, Some(token)),
        Opened::No => (Csrf::Invalid, None),
    }
}

/// The value of the signed cookie `name` of `req`, when a key signed it
/// (the current one or a previous one): a cookie of the shop's that is not
/// the session (the browser remembered for the second step, `web::remembered`).
pub(crate) fn signed_value(req: &HttpRequest, name: &str) -> Option<String> {
    let sessions = sessions_of(req);
    let cookie = cookies::request_cookie(req.headers(), name)?;
    match cookies::verify(&cookie, &sessions.keys) {
        Opened::WithCurrentKey(value) | Opened::WithPreviousKey(value) => Some(value),
        Opened::No => None,
    }
}

/// `value` in the signed cookie `name`, with a session cookie's attributes
/// ([`cookies::with_attributes`]), kept by the browser for `max_age`
/// seconds.
pub(crate) fn signed_cookie(
    req: &HttpRequest,
    name: &str,
    value: String,
    max_age: i64,
) -> Cookie<'static> {
    let sessions = sessions_of(req);
    let signed = cookies::sign(name, value, &sessions.keys.current);
    let cookie = cookies::with_attributes(signed, sessions.secure());
    cookies::lasting(cookie, Some(Ttl::seconds(max_age)))
}

/// A cookie that tells the browser to drop the cookie `name`, with the
/// attributes it was set with.
pub(crate) fn cookie_removal(req: &HttpRequest, name: &str) -> Cookie<'static> {
    cookies::removal(name, sessions_of(req).secure())
}

fn sessions_of(req: &HttpRequest) -> web::Data<SessionAdapter> {
    req.app_data::<web::Data<SessionAdapter>>()
        .expect("the SessionAdapter is registered in startup")
        .clone()
}

/// The middleware ([`startup`] wraps every route in it): makes the request's
/// session available, and writes back what it ends with.
///
/// [`startup`]: crate::app::startup
pub(crate) async fn middleware(
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
        // The store is away (503: the page says a change may not have been
        // saved), or the client makes too many new sessions (429).
        Err(error) => {
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::from_err(error, req).map_into_right_body())
        }
    }
}

/// What the request did to its session ([`write_back::Did`]).
fn what_it_did(slot: &Tracked) -> Did {
    let (began, ends) = (slot.began.borrow(), slot.state.borrow());
    if slot.ended.get() {
        Did::Ended
    } else if ends.id != began.id {
        Did::Renewed
    } else if *ends != *began {
        Did::Changed
    } else {
        Did::Nothing
    }
}

/// Decides ([`write_back::decide`]) and carries the decision out; returns
/// the cookies to set.
async fn write_back(
    sessions: &SessionAdapter,
    session: &RequestSession,
    opening: &Incoming,
    req: &HttpRequest,
) -> Result<Vec<Cookie<'static>>, AppError> {
    let slot = &session.0;
    let app = app_state(req);
    let ends = session.state();
    let brought = match slot.ended_login.get() {
        true => Brought::EndedLogin,
        false => opening.brought,
    };
    let mut request = write_back::Request {
        store: match sessions.store {
            Store::Cookie => write_back::Store::Cookie,
            Store::Server(_) => write_back::Store::Server,
        },
        form: req.method() == Method::POST,
        brought,
        csrf: opening.csrf,
        did: what_it_did(slot),
        // For a cookie not found valid, what the request stored itself
        // (the guest that replaced an ended login notes why, for the
        // inspector: that is not worth an entry).
        keeps_something: !ends.is_blank()
            && (matches!(brought, Brought::Found { .. }) || ends != *slot.began.borrow()),
        rolls: ends.last_seen_at != slot.began.borrow().last_seen_at,
    };
    let mut decided = write_back::decide(&request);
    // A guest state's cookie is sent again only if no sign-in has replaced
    // it (a late request still carries it; the browser holds the login's
    // cookie by now): the sign-in's note says so. (On a server-side store
    // the sign-in also deleted the entry; this covers a late request that
    // read it just before.)
    let began = slot.began.borrow().clone();
    let overwrites_guest = matches!(request.brought, Brought::Found { .. })
        && matches!(request.did, Did::Nothing | Did::Changed)
        && decided.session_cookie == CookieWrite::Set
        && began.user_id.is_none();
    if overwrites_guest && auth::login::replaced_by_sign_in(&app, &began).await? {
        request.brought = Brought::Superseded;
        decided = write_back::decide(&request);
    }

    let mut session_cookie = decided.session_cookie;
    let mut csrf_cookie = decided.csrf_cookie;
    let mut key = opening.stored.as_ref().map(|(key, _)| key.clone());
    if let Store::Server(server) = &sessions.store {
        let ttl = ttl_of(&ends, sessions, &app);
        let entry = opening.stored.as_ref();
        match decided.store {
            StoreWrite::Nothing => {}
            StoreWrite::Save | StoreWrite::Replace => {
                // A new entry counts against its client, but for a sign-in
                // (already throttled per client and per account, and
                // committed by now: refusing it here would leave a login
                // nobody holds).
                if request.did != Did::Renewed {
                    count_new_session(req, &app).await?;
                }
                key = Some(save_new(server, &ends, ttl, &app).await?);
                if let Some((old, _)) = entry {
                    forget(server, old).await;
                }
            }
            // Ended here, or the dead state of an ended login: gone,
            // whatever it holds.
            StoreWrite::Delete
                if request.did == Did::Ended
                    || !matches!(request.brought, Brought::Found { .. }) =>
            {
                if let Some((old, _)) = entry {
                    forget(server, old).await;
                }
            }
            StoreWrite::Update | StoreWrite::Delete => {
                let (old, stored) = entry.expect("an update or deletion of a found entry");
                match change_entry(server, old, stored, slot, &ends, sessions, &app).await? {
                    // The key is the same: its cookie goes again only as
                    // decided (when its lifetime moves).
                    Written::Updated => csrf_cookie = CookieWrite::Keep,
                    Written::Deleted => {
                        (session_cookie, csrf_cookie) = (CookieWrite::Keep, CookieWrite::Set)
                    }
                    Written::Nothing => session_cookie = CookieWrite::Keep,
                    // Deleted meanwhile. A login's stays deleted (signed out,
                    // or renewed). A guest's that no sign-in replaced went
                    // because it held nothing any more (another tab showed
                    // its last message) or ran out of time: this request's
                    // change is kept in a new entry.
                    Written::Gone(target) => {
                        session_cookie = CookieWrite::Keep;
                        let guest = began.user_id.is_none() && !target.is_blank();
                        if guest && !auth::login::replaced_by_sign_in(&app, &began).await? {
                            count_new_session(req, &app).await?;
                            let ttl = ttl_of(&target, sessions, &app);
                            key = Some(save_new(server, &target, ttl, &app).await?);
                            session_cookie = CookieWrite::Set;
                            if opening.csrf != Csrf::Nothing {
                                csrf_cookie = CookieWrite::Remove;
                            }
                        }
                    }
                }
            }
        }
    }

    let mut set = Vec::new();
    match session_cookie {
        CookieWrite::Keep => {}
        CookieWrite::Remove => set.push(cookies::removal(
            sessions.settings.cookie_name(),
            sessions.secure(),
        )),
        CookieWrite::Set => {
            let carried = match &key {
                Some(key) => key.expose().to_string(),
                None => ends.to_json(),
            };
            set.push(session_cookie_of(sessions, carried, &ends));
        }
    }
    match csrf_cookie {
        CookieWrite::Keep => {}
        CookieWrite::Remove => set.push(cookies::removal(
            sessions.settings.csrf_cookie_name(),
            sessions.secure(),
        )),
        CookieWrite::Set => set.push(csrf_cookie_of(sessions, &ends)),
    }
    Ok(set)
}

/// Counts a new entry against the request's client
/// ([`services::auth::throttle::count_new_session`]).
///
/// [`services::auth::throttle::count_new_session`]: crate::services::auth::throttle::count_new_session
async fn count_new_session(
    req: &HttpRequest,
    app: &crate::services::state::AppState,
) -> Result<(), AppError> {
    let client = ClientInfo::extract(req).await?;
    auth::throttle::count_new_session(app, &client.ip).await
}

/// Seconds a store keeps `state` from now.
fn ttl_of(
    state: &SessionState,
    sessions: &SessionAdapter,
    app: &crate::services::state::AppState,
) -> i64 {
    (state.expires_at(&sessions.settings) - app.clock.now()).max(1)
}

/// A new entry for `state`. If the store is away and `state` is a new
/// login, its row is revoked: no login is left that nobody holds, and the
/// page says what happened.
async fn save_new(
    server: &ServerStore,
    state: &SessionState,
    ttl: i64,
    app: &crate::services::state::AppState,
) -> Result<StoreKey, AppError> {
    match server.save(state, ttl).await {
        Ok(key) => Ok(key),
        Err(err) if state.user_id.is_some() => {
            auth::login::abandon(app, state).await;
            Err(AppError::SignInNotKept(anyhow::Error::new(err)))
        }
        Err(err) => Err(err),
    }
}

/// What became of a change to an entry.
enum Written {
    Updated,
    /// Nothing was left worth keeping: the entry is gone.
    Deleted,
    /// The entry went meanwhile (a sign-in or sign-out of this browser
    /// deleted it, another tab found it holding nothing, it expired): it
    /// stays gone. The state this request would have written.
    Gone(Box<SessionState>),
    /// The entry holds the change already.
    Nothing,
}

/// How many times a change is applied again to a newer state before the
/// request gives up (each try follows another request's save: far more
/// than the requests one browser sends at once).
const COMPARE_AND_SET_TRIES: usize = 32;

/// Writes the request's change to the entry `key`, which held `stored`
/// when the request began: compare-and-set, and on a newer state the
/// change applied again to it ([`Tracked::changes`]).
async fn change_entry(
    server: &ServerStore,
    key: &StoreKey,
    stored: &Stored,
    slot: &Tracked,
    ends: &SessionState,
    sessions: &SessionAdapter,
    app: &crate::services::state::AppState,
) -> Result<Written, AppError> {
    let began = slot.began.borrow().clone();
    let mut base = stored.clone();
    let mut target = ends.clone();
    for _ in 0..COMPARE_AND_SET_TRIES {
        if target == base.state {
            return Ok(Written::Nothing);
        }
        let blank = target.is_blank();
        let swapped = match blank {
            true => server.delete_if(key, &base).await,
            false => {
                let ttl = ttl_of(&target, sessions, app);
                server.update(key, &base, &target, ttl).await
            }
        };
        match swapped {
            Ok(Swap::Done) if blank => return Ok(Written::Deleted),
            Ok(Swap::Done) => return Ok(Written::Updated),
            Ok(Swap::Gone) => return Ok(Written::Gone(Box::new(target))),
            Ok(Swap::Changed(newer)) => {
                target = newer.state.clone();
                for change in slot.changes.borrow().iter() {
                    change(&mut target);
                }
                base = *newer;
            }
            // Only "last seen" to note, and the store cannot take it (a
            // read-only database): the page is still shown.
            Err(err) if target.only_bookkeeping_since(&began) => {
                tracing::warn!(error = %err, "session bookkeeping not written");
                return Ok(Written::Nothing);
            }
            Err(err) => return Err(err),
        }
    }
    Err(AppError::ServiceUnavailable { retry_after: 1 })
}

/// The signed CSRF cookie carrying `state`'s token, for a visitor whose
/// session is not stored.
fn csrf_cookie_of(sessions: &SessionAdapter, state: &SessionState) -> Cookie<'static> {
    let name = sessions.settings.csrf_cookie_name();
    let signed = cookies::sign(name, state.csrf_token.clone(), &sessions.keys.current);
    cookies::with_attributes(signed, sessions.secure())
}

/// The session cookie carrying `value` (the state's JSON, or a
/// server-side store's key), sealed under the current key: kept by the
/// browser for `SESSION_REMEMBER_ME_TIMEOUT` (a guest's cart waits for
/// them; "keep me signed in"), or, for any other login, until it closes.
fn session_cookie_of(
    sessions: &SessionAdapter,
    value: String,
    state: &SessionState,
) -> Cookie<'static> {
    let settings = &sessions.settings;
    let sealed = seal(settings.cookie_name(), value, &sessions.keys.current);
    let max_age = state
        .cookie_outlives_browser()
        .then(|| Ttl::seconds(settings.session_remember_me_timeout.get()));
    cookies::lasting(cookies::with_attributes(sealed, sessions.secure()), max_age)
}

/// Deletes a state that is of no more use. A store that fails here (it is
/// away) leaves an entry that expires by itself, and is as unusable as a
/// deleted one: the login it names is checked against its row, and a guest
/// cart is merged only once ([`services::cart::merge_guest_cart`]). So it is logged,
/// and the visitor's request goes on.
///
/// [`services::cart::merge_guest_cart`]: crate::services::cart::merge_guest_cart
async fn forget(server: &ServerStore, key: &StoreKey) {
    if let Err(err) = server.delete(key).await {
        tracing::warn!(error = %err, "a session state could not be deleted; it expires by itself");
    }
}

/// What the inspector shows of where the session is kept.
pub(crate) struct WhereKept {
    pub(crate) store: SessionStoreKind,
    /// Whether the store keeps an entry for this session now (a
    /// server-side store; the cookie store's "entry" is the cookie).
    pub(crate) stored_on_server: bool,
    /// Seconds until the store forgets the state, as the store says.
    pub(crate) remaining: Option<i64>,
    /// Bytes of the state as a store keeps it (its JSON).
    pub(crate) state_bytes: usize,
    /// Bytes of the session cookie this request carried (name, `=`, value:
    /// what the browser keeps and sends), if it carried one.
    pub(crate) cookie_bytes: Option<usize>,
}

impl WhereKept {
    /// Where the session of `req` is kept.
    pub(crate) async fn of(req: &HttpRequest) -> Result<WhereKept, AppError> {
        let session = RequestSession::of(req).await?;
        let sessions = sessions_of(req);
        let store = &sessions.store;
        let key = req
            .extensions()
            .get::<Pending>()
            .and_then(|p| p.0.get())
            .and_then(|(_, opening)| opening.stored.as_ref().map(|(key, _)| key.clone()));
        let now = app_state(req).clock.now();
        let remaining = match (store.server(), &key) {
            (Some(server), Some(key)) => server.remaining(key, now).await?,
            _ => None,
        };
        let name = sessions.settings.cookie_name();
        let cookie_bytes = cookies::request_cookie(req.headers(), name)
            .map(|c| c.name().len() + 1 + c.value().len());
        Ok(WhereKept {
            store: store.kind(),
            stored_on_server: key.is_some(),
            remaining,
            state_bytes: session.read(|s| s.to_json().len()),
            cookie_bytes,
        })
    }
}
