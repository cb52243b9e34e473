//! `/register`, `/login`, `/logout`.

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    domain::client::ClientInfo,
    domain::session::FlashLevel,
    domain::validate::{self, FieldErrors},
    services::auth::login::{self, Credentials, Login, NewAccount},
    services::cart::Merged,
    services::state::AppState,
    web::{
        extract::Visitor,
        form::Form,
        page::{clear_site_data, filters, render, render_status, see_other, Layout},
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
fn with_note(greeting: &str, merged: Option<Merged>) -> String {
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
        error: None,
    })
}

pub(crate) async fn login(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<LoginForm>,
) -> Result<HttpResponse> {
    let next = validate::local_path(&form.next).unwrap_or("/");
    let credentials = Credentials {
        email: &form.email,
        password: &form.password,
        remember_me: form.remember_me.is_some(),
    };
    match login::log_in(&app, &visitor.session.state(), &client, credentials).await? {
        Login::SignedIn { state, merged } => {
            let text = with_note("You are signed in.", merged);
            visitor.session.renew(*state);
            visitor.session.flash(FlashLevel::Success, text);
            Ok(see_other(next))
        }
        Login::Refused => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            LoginPage {
                layout: visitor.layout(),
                email: form.email.trim().to_string(),
                next: next.to_string(),
                remember_me: form.remember_me.is_some(),
                remember_for: app.settings.session_remember_me_timeout.get(),
                error: Some("The email or the password is not right.".into()),
            },
        ),
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
    Ok(clear_site_data(see_other("/?signed_out=1")))
}
