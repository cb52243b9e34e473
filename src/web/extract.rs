//! Extractors: who is asking. [`Visitor`] is anyone, maybe logged in;
//! [`CurrentUser`] requires a login; [`ClientInfo`] is the client's address and
//! browser. ([`web::session::RequestSession`] is the session alone.)
//!
//! A request resolves its visitor once ([`services::auth::check_session`], one query
//! for a login) and keeps it in the request, so the CSRF check, the
//! handler and the error page all see the same visitor: the one the
//! request began with (a login in this request shows from the next page).
//!
//! [`web::session::RequestSession`]: crate::web::session::RequestSession
//! [`services::auth::check_session`]: crate::services::auth::check_session

use std::future::{ready, Ready};

use actix_web::{
    dev::Payload,
    http::{header, Method},
    FromRequest, HttpMessage, HttpRequest,
};
use futures_util::future::LocalBoxFuture;

use crate::{
    data::error::AppError,
    data::repo::users::User,
    domain::client::{self, ClientInfo},
    domain::ids::UserId,
    domain::prefs::Preferences,
    domain::session::{Flash, HeldLink, LinkPage},
    domain::{url::SentUrl, validate::local_path},
    services::auth::{self, links::LinkDigest, Checked, LoggedIn},
    services::cart::CartOwner,
    web::{app_state, page::Layout, session::RequestSession},
};

/// Anyone: the typed session and, when logged in, the user.
#[derive(Clone)]
pub(crate) struct Visitor {
    pub(crate) session: RequestSession,
    pub(crate) user: Option<LoggedIn>,
    /// The request path with its query, for `next=` and the theme toggle.
    pub(crate) path: String,
    /// Why the login this browser's cookie named has ended, for this page
    /// (not kept: a page view replaces no cookie it did not find valid; on
    /// the cookie store the next page says it again, on a server-side store
    /// the ended login's state is gone by then).
    notice: Option<Flash>,
}

impl Visitor {
    pub(crate) fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|me| me.user.id)
    }

    /// The preferences in force: the account's, or the guest's.
    pub(crate) fn preferences(&self) -> Preferences {
        match &self.user {
            Some(me) => me.user.preferences,
            None => self.session.read(|s| s.prefs),
        }
    }

    /// This visitor's cart, wherever it lives.
    pub(crate) fn cart(&self) -> CartOwner<'_> {
        match &self.user {
            Some(me) => CartOwner::User {
                id: me.user.id,
                lines: &me.cart,
            },
            None => CartOwner::Guest(self.session.read(|s| s.cart.clone())),
        }
    }

    fn cart_count(&self) -> i64 {
        match &self.user {
            Some(me) => me.cart_count(),
            None => self.session.read(|s| s.guest_cart_count()),
        }
    }

    /// The mailed link this browser opened for `page`
    /// ([`domain::session::HeldLink`]); without one, the page that says to open it
    /// again (410).
    ///
    /// [`domain::session::HeldLink`]: crate::domain::session::HeldLink
    pub(crate) fn held_link(&self, page: LinkPage) -> Result<HeldLink, AppError> {
        let held = self.session.read(|s| s.held_link(page).cloned());
        held.ok_or_else(|| {
            let again = match page {
                LinkPage::PasswordReset => {
                    ", or ask for a new one on the sign-in page (\"Forgot your password?\")"
                }
                LinkPage::EmailAddress => "",
            };
            AppError::Gone(format!(
                "No such link is open in this browser. Open the link from the mail again{again}."
            ))
        })
    }

    /// Holds `link` for `page`, in place of the one held for it.
    pub(crate) fn hold_link(&self, page: LinkPage, link: &LinkDigest) {
        let held = HeldLink::new(page, link.as_str());
        self.session.update(move |s| s.hold_link(held.clone()));
    }

    /// Lets go of `link`, if it is the one held for `page` (used).
    pub(crate) fn let_go_of_link(&self, page: LinkPage, link: &LinkDigest) {
        let digest = link.as_str().to_string();
        self.session
            .update(move |s| s.let_go_of_link(page, Some(&digest)));
    }

    /// Lets go of `link` (if held for `page`) when `err` says it no longer
    /// works (used, retired, out of time, gone with its account); any
    /// other failure (a busy shop, the database away) keeps it for another
    /// try.
    pub(crate) fn let_go_if_dead(&self, page: LinkPage, link: &LinkDigest, err: &AppError) {
        if matches!(err, AppError::Gone(_) | AppError::NotFound) {
            self.let_go_of_link(page, link);
        }
    }

    /// The shared context of `base.html`. Takes the flash message.
    pub(crate) fn layout(&self) -> Layout {
        Layout {
            flash: self.session.take_flash().or_else(|| self.notice.clone()),
            ..self.layout_keeping_flash()
        }
    }

    /// The layout without touching the flash message (error pages: the
    /// message waits for the next real page).
    pub(crate) fn layout_keeping_flash(&self) -> Layout {
        let unproven = self
            .user
            .as_ref()
            .filter(|me| me.user.email_verified_at.is_none());
        Layout {
            user_name: self.user.as_ref().map(|me| me.user.display_name.clone()),
            unverified_email: unproven.map(|me| me.user.email.clone()),
            theme: self.preferences().theme(),
            cart_count: self.cart_count(),
            flash: None,
            csrf_token: self.session.csrf_token(),
            path: self.path.clone(),
        }
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(visitor) = req.extensions().get::<Visitor>() {
                return Ok(visitor.clone());
            }
            let app = app_state(&req);
            let session = RequestSession::of(&req).await?;
            let now = app.clock.now();
            let (user, notice) = match auth::check_session(&app, &session.state()).await? {
                Checked::Guest => {
                    session.update(move |s| s.touch(now));
                    (None, None)
                }
                Checked::Live(login) => {
                    // The row is the authority on "keep me signed in" (it
                    // decides the cookie's lifetime) and on the deadline.
                    let (remember_me, deadline) = (login.remember_me, login.expires_at);
                    session.update(move |s| {
                        s.touch(now);
                        s.remember_me = remember_me;
                        s.deadline = Some(deadline);
                    });
                    (Some(login), None)
                }
                Checked::Ended { guest, notice } => {
                    session.replace_ended_login(*guest);
                    (None, notice)
                }
            };
            let visitor = Visitor {
                session,
                user,
                path: page_path(&req),
                notice,
            };
            req.extensions_mut().insert(visitor.clone());
            Ok(visitor)
        })
    }
}

/// The page the visitor is looking at: the URL of a GET; for a form that
/// is re-rendered after a POST, the page the form was on (from `Referer`),
/// since the POST's own URL may have no page to come back to.
fn page_path(req: &HttpRequest) -> String {
    if req.method() == Method::GET {
        return match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
    }
    referer(req).map_or("/", |url| url.path()).to_string()
}

/// A logged-in visitor; anyone else is sent to `/login?next=<this page>`.
#[derive(Clone)]
pub(crate) struct CurrentUser {
    pub(crate) visitor: Visitor,
    /// This login: its session and what was read with it.
    pub(crate) login: LoggedIn,
}

impl CurrentUser {
    pub(crate) fn id(&self) -> UserId {
        self.login.user.id
    }

    /// The account signed in.
    pub(crate) fn account(&self) -> &User {
        &self.login.user
    }

    pub(crate) fn session(&self) -> &RequestSession {
        &self.visitor.session
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(req, payload);
        // A form cannot be replayed after login; the page it was on can.
        let is_form = !matches!(*req.method(), Method::GET | Method::HEAD);
        let form_page = is_form.then(|| form_page(req));
        Box::pin(async move {
            let visitor = visitor.await?;
            match visitor.user.clone() {
                Some(login) => Ok(CurrentUser { visitor, login }),
                None => Err(AppError::LoginRequired {
                    next: form_page.unwrap_or_else(|| visitor.path.clone()),
                }),
            }
        })
    }
}

/// A login whose password was typed within `REAUTH_WINDOW` (sudo mode):
/// what a handler of one of the riskiest changes names (signing other
/// browsers out, the second factor's setup, its recovery codes), so that
/// none can forget the check. Anyone else who is signed in is sent to
/// "confirm your password", which comes back to the page the form was on;
/// a guest, to sign in. (The forms that ask for the password themselves,
/// changing the address and deleting the account, need no window: their
/// password is typed that moment.)
#[derive(Clone)]
pub(crate) struct RecentPassword(pub(crate) CurrentUser);

impl std::ops::Deref for RecentPassword {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for RecentPassword {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let app = app_state(req);
        Box::pin(async move {
            let user = user.await?;
            let window = app.settings.reauth_window.get();
            let now = app.clock.now();
            match user.session().read(|s| s.sudo_until(now, window)) {
                Some(_) => Ok(RecentPassword(user)),
                None => Err(AppError::ReauthRequired {
                    next: user.visitor.path.clone(),
                }),
            }
        })
    }
}

/// The page a form was sent from: the path of its `Referer` (the shop's
/// `Referrer-Policy` sends the whole address to its own pages, and
/// [`csrf::protect`] has checked that the form came from this site), when it
/// is a local path; else the home page.
///
/// [`csrf::protect`]: crate::web::csrf::protect
fn form_page(req: &HttpRequest) -> String {
    referer(req)
        .and_then(|url| local_path(url.path()))
        .unwrap_or("/")
        .to_string()
}

/// The request's `Referer`, read.
fn referer(req: &HttpRequest) -> Option<SentUrl<'_>> {
    let value = req.headers().get(header::REFERER)?.to_str().ok()?;
    SentUrl::parse(value)
}

impl FromRequest for ClientInfo {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        let ip = client::client_ip(
            req.peer_addr().map(|a| a.ip()),
            header(header::HeaderName::from_static("x-forwarded-for")),
            app_state(req).settings.trusted_proxy,
        );
        ready(Ok(ClientInfo::new(
            ip,
            header(header::USER_AGENT).unwrap_or(""),
        )))
    }
}
