//! `/register`, `/login`, `/logout`.

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::{login, throttle, Visitor},
    client::ClientInfo,
    csrf::{Form, NoFields},
    db,
    errors::Result,
    ids,
    page::{clear_site_data, render, render_status, see_other, Layout},
    repo::{
        events::{self, EventKind},
        users::{self, NewUser},
    },
    startup::AppState,
    validate::{self, FieldErrors},
};

// ---- registration ---------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct RegisterForm {
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

pub async fn register_form(visitor: Visitor) -> Result<HttpResponse> {
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

pub async fn register(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<RegisterForm>,
) -> Result<HttpResponse> {
    throttle::check_client(&app, &client.ip).await?;
    let form = form.into_inner();
    let email = validate::normalize_email(&form.email);
    let mut errors = FieldErrors::new();
    if let Err(e) = validate::email(&email) {
        errors.insert("email", e);
    }
    let display_name = validate::display_name(&form.display_name).unwrap_or_else(|e| {
        errors.insert("display_name", e);
        String::new()
    });
    if let Err(e) = validate::password(&form.password, &[&email, &display_name]) {
        errors.insert("password", e);
    } else if form.password != form.password_confirm {
        errors.insert("password_confirm", "The two passwords do not match.".into());
    }

    if errors.is_empty() {
        // Hash before looking at the email, so a taken address is not
        // answered faster than a free one.
        let hash = app.hasher.hash(form.password.clone()).await?;
        let user_id = ids::row_id();
        let prefs = visitor.preferences();
        let new_user = NewUser {
            id: user_id,
            email: &email,
            display_name: &display_name,
            password_hash: &hash,
            preferences: &prefs,
            created_at: app.clock.now(),
        };
        match users::insert(&app.pool, &new_user).await {
            Ok(()) => {
                events::record(
                    &app.pool,
                    user_id,
                    EventKind::Registered,
                    &client,
                    app.clock.now(),
                )
                .await?;
                let note = login::log_in(&app, &visitor.session, &client, user_id, false).await?;
                visitor.session.flash(
                    "success",
                    welcome(&format!("Welcome to Cookie Jar, {display_name}!"), note),
                );
                return Ok(see_other("/"));
            }
            Err(e) if db::is_unique_violation(&e) => {
                errors.insert(
                    "email",
                    "An account with this email already exists. Try signing in.".into(),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        RegisterPage {
            layout: visitor.layout(),
            email: form.email.trim().to_string(),
            display_name: form.display_name,
            errors,
        },
    )
}

/// The greeting plus what happened to the guest cart.
fn welcome(greeting: &str, merge_note: Option<String>) -> String {
    match merge_note {
        Some(note) => format!("{greeting} {note}"),
        None => greeting.to_string(),
    }
}

// ---- login ----------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
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
    error: Option<String>,
}

pub async fn login_form(visitor: Visitor, query: web::Query<LoginQuery>) -> Result<HttpResponse> {
    let next = query.next.as_deref().and_then(safe_next).unwrap_or("/");
    if visitor.user.is_some() {
        return Ok(see_other(next));
    }
    render(LoginPage {
        layout: visitor.layout(),
        email: String::new(),
        next: next.to_string(),
        remember_me: false,
        error: None,
    })
}

pub async fn login(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<LoginForm>,
) -> Result<HttpResponse> {
    throttle::check_client(&app, &client.ip).await?;
    let email = validate::normalize_email(&form.email);
    throttle::attempt(&app, &email).await?;

    // Something that is not an email cannot have an account (and is never
    // sent to the database); it still costs a dummy hash below.
    let account = match validate::email(&email) {
        Ok(()) => users::credentials(&app.pool, &email).await?,
        Err(_) => None,
    };
    let (user_id, hash) = account.map_or((None, None), |(id, hash)| (Some(id), Some(hash)));
    // Unknown emails are checked against a dummy hash: same time, same answer.
    let password_ok = app.hasher.verify(form.password.clone(), hash).await?;

    match user_id.filter(|_| password_ok) {
        Some(user_id) => {
            throttle::succeeded(&app, &email).await?;
            let remember_me = form.remember_me.is_some();
            let note = login::log_in(&app, &visitor.session, &client, user_id, remember_me).await?;
            visitor
                .session
                .flash("success", welcome("You are signed in.", note));
            Ok(see_other(safe_next(&form.next).unwrap_or("/")))
        }
        None => {
            if let Some(user_id) = user_id {
                events::record(
                    &app.pool,
                    user_id,
                    EventKind::LoginFailed,
                    &client,
                    app.clock.now(),
                )
                .await?;
            }
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                LoginPage {
                    layout: visitor.layout(),
                    email: form.email.trim().to_string(),
                    next: safe_next(&form.next).unwrap_or("/").to_string(),
                    remember_me: form.remember_me.is_some(),
                    error: Some("The email or the password is not right.".into()),
                },
            )
        }
    }
}

/// `next` only ever leads to a page of this site: a path starting with one
/// `/` (not `//host` or `/\host`, which browsers treat as another host).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

// ---- logout ---------------------------------------------------------------

pub async fn logout(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    if let Some(me) = &visitor.user {
        login::log_out(&app, &visitor.session, &client, me.user.id, &me.session_id).await?;
    } else {
        visitor.session.purge();
    }
    Ok(clear_site_data(see_other("/?signed_out=1")))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/cart"), Some("/cart"));
        assert_eq!(safe_next("/orders/5?x=1"), Some("/orders/5?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "cart",
            "",
            "/\r\nx",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
