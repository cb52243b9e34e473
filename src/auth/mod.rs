//! Who is asking: the `Visitor` extractor (anyone, maybe logged in) and
//! `CurrentUser` (login required), plus logging in and out.
//!
//! A cookie that says "user 42, session S" is believed only while the
//! `sessions` row S exists, is not revoked, is younger than its absolute
//! timeout and was seen within the idle timeout. Otherwise the visitor is a
//! guest again and the cookie is replaced.

pub mod login;
pub mod password;
pub mod throttle;

use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::{
    errors::AppError,
    page::Layout,
    repo::{sessions, users::User},
    session::{AppSession, Flash, Preferences},
    startup::AppState,
};

/// Anyone: the typed session and, when logged in, the user.
#[derive(Clone)]
pub struct Visitor {
    pub session: AppSession,
    pub user: Option<LoggedIn>,
    /// The request path with its query, for `next=` and the theme toggle.
    pub path: String,
}

/// A logged-in user as verified against the `sessions` table.
#[derive(Clone, Debug)]
pub struct LoggedIn {
    pub user: User,
    pub session_id: String,
    pub cart_count: i64,
    /// When the server last saw this session (written at most once a minute).
    pub last_seen_at: i64,
    /// The absolute deadline of this login.
    pub expires_at: i64,
}

impl Visitor {
    /// The preferences in force: the account's, or the guest's, or defaults.
    pub fn preferences(&self) -> Preferences {
        match &self.user {
            Some(me) => me.user.preferences(),
            None => self.session.state().prefs.over(Preferences::default()),
        }
    }

    pub fn cart_count(&self) -> i64 {
        match &self.user {
            Some(me) => me.cart_count,
            None => self
                .session
                .state()
                .cart
                .iter()
                .map(|(_, q)| i64::from(*q))
                .sum(),
        }
    }

    /// The shared context of `base.html`. Takes the flash message.
    pub fn layout(&self) -> Layout {
        Layout {
            flash: self.session.take_flash(),
            ..self.layout_keeping_flash()
        }
    }

    /// The layout without touching the flash message (error pages: the
    /// message waits for the next real page).
    pub fn layout_keeping_flash(&self) -> Layout {
        Layout {
            user_name: self.user.as_ref().map(|me| me.user.display_name.clone()),
            theme: self.preferences().theme,
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
            // Several extractors of one request share one lookup.
            if let Some(visitor) = req.extensions().get::<Visitor>() {
                return Ok(visitor.clone());
            }
            let app = req
                .app_data::<web::Data<AppState>>()
                .expect("AppState is registered in startup")
                .clone();
            let session = AppSession::for_request(&req, app.clock.clone());
            let user = verify_login(&app, &session).await?;
            let path = page_path(&req);
            let visitor = Visitor {
                session,
                user,
                path,
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
    if req.method() == actix_web::http::Method::GET {
        return match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
    }
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_else(|| "/".into())
}

/// Checks the session's login against its server-side row.
async fn verify_login(app: &AppState, session: &AppSession) -> Result<Option<LoggedIn>, AppError> {
    let state = session.state();
    let Some(user_id) = state.user_id else {
        session.touch();
        return Ok(None);
    };
    let now = app.clock.now();
    let idle = app.settings.session_idle_timeout.as_secs() as i64;
    let Some(row) = sessions::with_user(&app.pool, &state.id, user_id).await? else {
        // The account or the session row is gone (account deleted).
        session.reset_to_guest(None);
        return Ok(None);
    };
    let why_not = if row.revoked_at.is_some() {
        Some("You have been signed out of this browser.")
    } else if now >= row.expires_at {
        Some("Your session has reached its maximum age. Please sign in again.")
    } else if now - row.last_seen_at > idle {
        Some("You were signed out after a period of inactivity. Please sign in again.")
    } else {
        None
    };
    if let Some(text) = why_not {
        sessions::revoke(&app.pool, &state.id, now).await?;
        session.reset_to_guest(Some(Flash {
            level: "info".into(),
            text: text.into(),
        }));
        return Ok(None);
    }
    session.touch();
    // The row is the authority on "keep me signed in" (it decides the
    // cookie's lifetime, see session.rs).
    let remember_me = row.remember_me == 1;
    if state.remember_me != remember_me {
        session.update(|s| s.remember_me = remember_me);
    }
    let mut last_seen_at = row.last_seen_at;
    if now - last_seen_at >= 60 {
        sessions::touch(&app.pool, &state.id, now).await?;
        last_seen_at = now;
    }
    Ok(Some(LoggedIn {
        user: row.user,
        session_id: state.id,
        cart_count: row.cart_count,
        last_seen_at,
        expires_at: row.expires_at,
    }))
}

/// A logged-in visitor; anyone else is sent to `/login?next=<this page>`.
#[derive(Clone)]
pub struct CurrentUser {
    pub visitor: Visitor,
    pub me: LoggedIn,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.me.user.id
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(req, payload);
        let method_is_get = req.method() == actix_web::http::Method::GET;
        Box::pin(async move {
            let visitor = visitor.await?;
            match visitor.user.clone() {
                Some(me) => Ok(CurrentUser { visitor, me }),
                None => Err(AppError::LoginRequired {
                    // A form cannot be replayed after login; its page can.
                    next: if method_is_get {
                        visitor.path.clone()
                    } else {
                        "/".into()
                    },
                }),
            }
        })
    }
}
