//! `/profile/security` and `/profile/two-factor/...`: two-step sign-in,
//! set up, turned off, its recovery codes, and the browsers that skip it.
//! Setting it up (each of its pages), turning it off and new recovery codes
//! are sudo mode's ([`RecentPassword`]); turning it off asks for the
//! password too. Forgetting the remembered browsers needs only the login:
//! it takes nothing away from the owner.
//! (The sign-in's second step is [`auth`]'s.)
//!
//! [`RecentPassword`]: crate::web::extract::RecentPassword
//! [`auth`]: super::auth

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use qrcode::{Color, QrCode};
use serde::Deserialize;

use crate::{
    data::error::Result,
    data::repo::two_factor::RememberedBrowser,
    domain::client::{describe_user_agent, ClientInfo},
    domain::session::FlashLevel,
    domain::totp::{RecoveryCode, RECOVERY_CODES},
    domain::validate::FieldErrors,
    services::auth::passkeys,
    services::auth::two_factor::{self, NotEnabled, Status},
    services::state::AppState,
    web::{
        extract::{CurrentUser, RecentPassword},
        form::Form,
        page::{filters, render, render_status, see_other, Layout},
        remembered,
    },
};

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    layout: Layout,
    email: String,
    two_factor: Option<Status>,
    codes_in_a_set: usize,
    /// Browsers that skip the second step, newest first.
    browsers: Vec<RememberedBrowser>,
    /// Whether this browser is one of them (it carries the cookie).
    this_one_remembered: bool,
    passkeys: Vec<passkeys::Listed>,
    /// Whether the shop can use passkeys (it has a domain).
    passkeys_available: bool,
    errors: FieldErrors,
}

impl SecurityPage {
    fn browser(&self, b: &RememberedBrowser) -> String {
        describe_user_agent(&b.user_agent)
    }
}

async fn security_page(
    app: &AppState,
    user: &CurrentUser,
    req: &HttpRequest,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<HttpResponse> {
    let page = SecurityPage {
        layout: user.visitor.layout(),
        email: user.account().email.clone(),
        two_factor: two_factor::status(app, user.id()).await?,
        codes_in_a_set: RECOVERY_CODES,
        browsers: two_factor::remembered_browsers(app, user.id()).await?,
        this_one_remembered: match remembered::token(req) {
            Some(token) => two_factor::remembers(app, user.id(), &token).await?,
            None => false,
        },
        passkeys: passkeys::list(app, user.id()).await?,
        passkeys_available: passkeys::available(app),
        errors,
    };
    render_status(status, page)
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse> {
    security_page(&app, &user, &req, StatusCode::OK, FieldErrors::new()).await
}

/// Forgets every remembered browser of the account (this one too): each
/// asks for the code at its next sign-in.
pub(crate) async fn forget_browsers(
    app: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let count = two_factor::forget_browsers(&app, user.id()).await?;
    let plural = if count == 1 { "" } else { "s" };
    let text = format!("Forgot {count} browser{plural}: each asks for a code at its next sign-in.");
    user.session().flash(FlashLevel::Success, text);
    let mut response = see_other("/profile/security");
    response
        .add_cookie(&remembered::removal(&req))
        .map_err(anyhow::Error::from)?;
    Ok(response)
}

/// "Set up two-step sign-in": a new secret waits in the session.
pub(crate) async fn begin_setup(
    app: web::Data<AppState>,
    user: RecentPassword,
) -> Result<HttpResponse> {
    let sealed = two_factor::new_setup(&app, user.id());
    user.session()
        .update(move |s| s.totp_setup = Some(sealed.clone()));
    Ok(see_other("/profile/two-factor/setup"))
}

#[derive(Template)]
#[template(path = "two_factor_setup.html")]
struct SetupPage {
    layout: Layout,
    /// The secret as text, to type into the app.
    secret: String,
    qr: Qr,
    error: Option<String>,
}

/// A QR code as the page draws it: an SVG path of its dark modules
/// (digits and the letters `M`, `h`, `v`, `z` only), inside a quiet zone.
struct Qr {
    /// The side of the drawing, in modules.
    size: usize,
    path: String,
}

/// Margin of light modules around the code, as the standard asks.
const QUIET_ZONE: usize = 4;

impl Qr {
    fn of(text: &str) -> Option<Qr> {
        let code = QrCode::new(text.as_bytes()).ok()?;
        let width = code.width();
        let mut path = String::new();
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == Color::Dark {
                let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
        Some(Qr {
            size: width + 2 * QUIET_ZONE,
            path,
        })
    }
}

fn setup_page(
    app: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse> {
    let sealed = user.session().read(|s| s.totp_setup.clone());
    let shown = sealed.and_then(|sealed| two_factor::setup_shown(app, &user.login, &sealed));
    let Some((secret, uri)) = shown else {
        // Nothing set up in this browser (or set up for another login):
        // the security page has the button.
        return Ok(see_other("/profile/security"));
    };
    let Some(qr) = Qr::of(&uri) else {
        return Err(anyhow::anyhow!("a TOTP URI too long for a QR code").into());
    };
    render_status(
        status,
        SetupPage {
            layout: user.visitor.layout(),
            secret,
            qr,
            error,
        },
    )
}

pub(crate) async fn setup(app: web::Data<AppState>, user: RecentPassword) -> Result<HttpResponse> {
    setup_page(&app, &user, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct CodesPage {
    layout: Layout,
    codes: Vec<RecoveryCode>,
    /// Whether two-step sign-in was just turned on (else: a new set).
    just_enabled: bool,
}

/// The code from the app proves the secret: two-step sign-in is on, and
/// the recovery codes are shown, once.
pub(crate) async fn enable(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
    form: Form<CodeForm>,
) -> Result<HttpResponse> {
    let Some(sealed) = user.session().read(|s| s.totp_setup.clone()) else {
        return Ok(see_other("/profile/security"));
    };
    match two_factor::enable(&app, &client, &user.login, &sealed, &form.code).await? {
        Ok(codes) => {
            user.session().update(|s| s.totp_setup = None);
            render(CodesPage {
                layout: user.visitor.layout(),
                codes,
                just_enabled: true,
            })
        }
        Err(NotEnabled::AlreadyOn) => {
            user.session().update(|s| s.totp_setup = None);
            let text = "Two-step sign-in is on already, and nothing changed. If you did not \
                        see your recovery codes, make a new set here.";
            user.session().flash(FlashLevel::Info, text);
            Ok(see_other("/profile/security"))
        }
        Err(NotEnabled::WrongCode) => {
            let wrong = "That is not the code your app shows now. Check that you scanned this \
                         page's code, and type the six digits it shows.";
            setup_page(
                &app,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(wrong.into()),
            )
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub(crate) async fn disable(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
    form: Form<PasswordForm>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    match two_factor::disable(&app, &client, &user.login, &form.password).await? {
        Ok(()) => {
            let text = "Two-step sign-in is off: your password alone signs in.";
            user.session().flash(FlashLevel::Success, text);
            Ok(see_other("/profile/security"))
        }
        Err(errors) => {
            security_page(&app, &user, &req, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

pub(crate) async fn renew_codes(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
) -> Result<HttpResponse> {
    match two_factor::renew_codes(&app, &client, &user.login).await? {
        Some(codes) => render(CodesPage {
            layout: user.visitor.layout(),
            codes,
            just_enabled: false,
        }),
        None => Ok(see_other("/profile/security")),
    }
}
