//! `/register`, `/login`, `/logout`.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    domain::client::ClientInfo,
    domain::session::FlashLevel,
    domain::validate::{self, FieldErrors},
    services::auth::login::{self, Credentials, Login, NewAccount},
    services::auth::passkeys,
    services::auth::two_factor::{self, SecondStepOutcome, REMEMBER_BROWSER_FOR},
    services::cart::Merged,
    services::state::AppState,
    web::{
        errors::sign_in_then,
        extract::Visitor,
        form::Form,
        page::{clear_site_data, filters, render, render_status, see_other, Erase, Layout},
        remembered,
    },
};

// ---- registration ---------------------------------------------------------

#[derive(Deserialize, Default)]
pub(crate) struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    email: String,
    display_name: String,
    errors: FieldErrors,
}

pub(crate) async fn register_form(visitor: Visitor) -> Result<HttpResponse> {
    if visitor.user.is_some() {
        return Ok(see_other("/profile"));
    }
    render(RegisterPage {
        layout: visitor.layout(),
        email: String::new(),
        display_name: String::new(),
        errors: FieldErrors::new(),
    })
}

pub(crate) async fn register(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<RegisterForm>,
) -> Result<HttpResponse> {
    let account = NewAccount {
        email: &form.email,
        display_name: &form.display_name,
        password: &form.password,
        password_confirm: &form.password_confirm,
    };
    match login::register(&app, &visitor.session.state(), &client, account).await? {
        Ok(done) => {
            let mut hello = format!("Welcome to Cookie Jar, {}!", done.display_name);
            if !done.proof_sent {
                hello.push_str(
                    " We could not mail the link that confirms your address just now (it has \
                     had many mails from us this hour): ask for it again from the banner later.",
                );
            }
            let text = with_note(&hello, done.merged);
            visitor.session.renew(done.state);
            visitor.session.flash(FlashLevel::Success, text);
            Ok(see_other("/"))
        }
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            RegisterPage {
                layout: visitor.layout(),
                email: form.email.trim().to_string(),
                display_name: form.into_inner().display_name,
                errors,
            },
        ),
    }
}

/// The greeting plus what happened to the guest cart.
pub(super) fn with_note(greeting: &str, merged: Option<Merged>) -> String {
    match merged.as_ref().map(super::cart::say_merged) {
        Some(note) => format!("{greeting} {note}"),
        None => greeting.to_string(),
    }
}

// ---- login ----------------------------------------------------------------

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    remember_me: Option<String>,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    remember_me: bool,
    /// "Keep me signed in" for this long (`SESSION_REMEMBER_ME_TIMEOUT`).
    remember_for: i64,
    /// Whether the shop can use passkeys (it has a domain).
    passkeys: bool,
    error: Option<String>,
}

pub(crate) async fn login_form(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse> {
    let next = query
        .next
        .as_deref()
        .and_then(validate::local_path)
        .unwrap_or("/");
    if visitor.user.is_some() {
        return Ok(see_other(next));
    }
    render(LoginPage {
        layout: visitor.layout(),
        email: String::new(),
        next: next.to_string(),
        remember_me: false,
        remember_for: app.settings.session_remember_me_timeout.get(),
        passkeys: passkeys::available(&app),
        error: None,
    })
}

pub(crate) async fn login(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<LoginForm>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let next = validate::local_path(&form.next).unwrap_or("/");
    let remembered = remembered::token(&req);
    let credentials = Credentials {
        email: &form.email,
        password: &form.password,
        remember_me: form.remember_me.is_some(),
        next,
        remembered: remembered.as_deref(),
    };
    match login::log_in(&app, &visitor.session.state(), &client, credentials).await? {
        Login::SignedIn { state, merged } => {
            let text = with_note("You are signed in.", merged);
            visitor.session.renew(*state);
            visitor.session.flash(FlashLevel::Success, text);
            Ok(see_other(next))
        }
        Login::SecondFactor(step) => {
            // Not a login: the step waits in this session for the code.
            visitor
                .session
                .update(move |s| s.second_step = Some(step.clone()));
            Ok(see_other("/login/two-factor"))
        }
        Login::Refused => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            LoginPage {
                layout: visitor.layout(),
                email: form.email.trim().to_string(),
                next: next.to_string(),
                remember_me: form.remember_me.is_some(),
                remember_for: app.settings.session_remember_me_timeout.get(),
                passkeys: passkeys::available(&app),
                error: Some("The email or the password is not right.".into()),
            },
        ),
    }
}

// ---- the second step ------------------------------------------------------

#[derive(Template)]
#[template(path = "login_two_factor.html")]
struct SecondStepPage {
    layout: Layout,
    /// When the step ends (`TWO_FACTOR_TIMEOUT` after the password).
    until: i64,
    /// How long "don't ask again on this browser" lasts.
    remember_for: i64,
    error: Option<String>,
}

/// The form for the code, while a step is open in this session; else the
/// password is asked (again).
pub(crate) async fn second_step_form(
    app: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse> {
    let now = app.clock.now();
    let step = visitor.session.read(|s| s.second_step.clone());
    match step.filter(|step| step.is_open(now)) {
        Some(step) => render(SecondStepPage {
            layout: visitor.layout(),
            until: step.until,
            remember_for: REMEMBER_BROWSER_FOR,
            error: None,
        }),
        None => Ok(ask_password_again(&visitor)),
    }
}

#[derive(Deserialize)]
pub(crate) struct SecondStepForm {
    #[serde(default)]
    code: String,
    /// "Don't ask again on this browser".
    remember_device: Option<String>,
}

pub(crate) async fn second_step(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<SecondStepForm>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let guest = visitor.session.state();
    let remember = form.remember_device.is_some();
    let outcome = two_factor::complete_sign_in(&app, &guest, &client, &form.code, remember);
    match outcome.await? {
        SecondStepOutcome::SignedIn {
            state,
            merged,
            next,
            by_recovery_code,
            remembered,
        } => {
            let greeting = match by_recovery_code {
                true => "You are signed in with a recovery code; it no longer works.",
                false => "You are signed in.",
            };
            visitor.session.renew(*state);
            visitor
                .session
                .flash(FlashLevel::Success, with_note(greeting, merged));
            // Checked at the password step; checked again all the same.
            let mut response = see_other(validate::local_path(&next).unwrap_or("/"));
            if let Some(token) = remembered {
                response
                    .add_cookie(&remembered::cookie(&req, token))
                    .map_err(anyhow::Error::from)?;
            }
            Ok(response)
        }
        SecondStepOutcome::Wrong { tries_left: 0 } => Ok(ask_password_again(&visitor)),
        SecondStepOutcome::Wrong { tries_left } => {
            visitor.session.update(|s| {
                if let Some(step) = s.second_step.as_mut() {
                    step.wrong_codes += 1;
                }
            });
            let until = guest.second_step.map_or(0, |step| step.until);
            let plural = if tries_left == 1 { "" } else { "s" };
            let error = format!(
                "That code is not right, or was used already. {tries_left} more \
                 try{plural}, then the password is asked again."
            );
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                SecondStepPage {
                    layout: visitor.layout(),
                    until,
                    remember_for: REMEMBER_BROWSER_FOR,
                    error: Some(error),
                },
            )
        }
        SecondStepOutcome::NoStep => Ok(ask_password_again(&visitor)),
    }
}

/// Ends the second step this session holds, if any, and sends the browser
/// to sign in (again), where it came from.
fn ask_password_again(visitor: &Visitor) -> HttpResponse {
    let step = visitor.session.read(|s| s.second_step.clone());
    let Some(step) = step else {
        return see_other("/login");
    };
    visitor.session.update(|s| s.second_step = None);
    let text = "Please sign in again: the code was not given in time, or too many codes \
                were wrong.";
    visitor.session.flash(FlashLevel::Info, text);
    match step.next.as_str() {
        "/" => see_other("/login"),
        next => see_other(&sign_in_then(next)),
    }
}

// ---- logout ---------------------------------------------------------------

pub(crate) async fn logout(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
) -> Result<HttpResponse> {
    login::log_out(&app, &visitor.session.state(), &client).await?;
    visitor.session.end();
    // Storage only: a browser remembered for two-step sign-in stays so.
    Ok(clear_site_data(see_other("/?signed_out=1"), Erase::Storage))
}
