//! `/password/forgot` and `/password/reset/{token}`: a forgotten password,
//! replaced through a mailed link (`auth::recovery`).

use std::time::Duration;

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::recovery::{self, NewPassword},
    client::ClientInfo,
    error::Result,
    present,
    session::{Flash, FlashLevel, HeldLink, LinkPage, RenewedFor},
    state::AppState,
    validate::FieldErrors,
    web::{
        extract::Visitor,
        form::Form,
        page::{filters, render, render_status, see_other, Layout},
    },
};

/// Every answer to "mail me a link" takes at least this long, so that an
/// address with an account (a token written, a mail queued) cannot be
/// told from one without by the time the answer takes.
const ANSWER_TAKES: Duration = Duration::from_millis(400);

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    valid_for: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "forgot_sent.html")]
struct SentPage {
    layout: Layout,
    email: String,
    valid_for: String,
}

fn valid_for(app: &AppState) -> String {
    present::period(app.settings.password_reset_timeout.as_secs() as i64)
}

pub async fn forgot_form(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    render(ForgotPage {
        layout: visitor.layout(),
        email: String::new(),
        valid_for: valid_for(&app),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<ForgotForm>,
) -> Result<HttpResponse> {
    let started = tokio::time::Instant::now();
    let asked = recovery::request_reset(&app, &client, &form.email).await?;
    let email = form.into_inner().email.trim().to_string();
    match asked {
        Ok(()) => {
            if started.elapsed() > ANSWER_TAKES {
                // Then the time could tell an account's address from
                // another: the padding should be longer.
                tracing::warn!(
                    ms = started.elapsed().as_millis() as u64,
                    "a forgot-password answer took longer than its padding"
                );
            }
            tokio::time::sleep_until(started + ANSWER_TAKES).await;
            render(SentPage {
                layout: visitor.layout(),
                email,
                valid_for: valid_for(&app),
            })
        }
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            ForgotPage {
                layout: visitor.layout(),
                email,
                valid_for: valid_for(&app),
                errors,
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    layout: Layout,
    email: String,
    errors: FieldErrors,
}

/// The link from the mail, `/password/reset/{token}`: its token moves into
/// the session, and the browser goes on to `/password/reset`, so the token
/// leaves the address bar and no page that has it in its address loads
/// anything (`web::security` sends no `Referer` from here). A dead link
/// says why here (410, 404).
pub async fn open_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse> {
    recovery::reset_link(&app, &token).await?;
    let held = HeldLink::new(LinkPage::PasswordReset, &token);
    visitor.session.update(|s| s.held_link = Some(held));
    Ok(see_other("/password/reset"))
}

/// The form for the new password, working from the link the session holds.
pub async fn reset_form(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let token = visitor.held_link(LinkPage::PasswordReset)?;
    let user = recovery::reset_link(&app, &token)
        .await
        .inspect_err(|e| visitor.let_go_of_dead_link(e))?;
    render(ResetPage {
        layout: visitor.layout(),
        email: user.email,
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// The form, sent from `/password/reset`: the link is the one the session
/// holds.
pub async fn reset(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<ResetForm>,
) -> Result<HttpResponse> {
    let token = visitor.held_link(LinkPage::PasswordReset)?;
    choose_password(&app, &visitor, &client, &token, &form).await
}

/// The same form posted to the link itself (the HTTP contract's
/// `POST /password/reset/{token}`, for a client that never opened the
/// page).
pub async fn reset_by_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    token: web::Path<String>,
    form: Form<ResetForm>,
) -> Result<HttpResponse> {
    choose_password(&app, &visitor, &client, &token, &form).await
}

async fn choose_password(
    app: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    token: &str,
    form: &ResetForm,
) -> Result<HttpResponse> {
    let new = NewPassword {
        password: &form.password,
        confirm: &form.password_confirm,
    };
    let signed_in_here = visitor.user.as_ref();
    let done = recovery::reset_password(app, client, token, new, signed_in_here)
        .await
        .inspect_err(|e| visitor.let_go_of_dead_link(e))?;
    match done {
        Ok(done) => {
            // Every session of the account ended. A login in this browser
            // ends too, whoever it was (a guest keeps their cart).
            let mut text = format!(
                "Your password is changed, and every browser that was signed in to {} is \
                 signed out.",
                done.email
            );
            if let Some(other) = done.ended_here {
                text.push_str(&format!(
                    " This browser was signed in to {other}: that login has ended too."
                ));
            }
            text.push_str(" Sign in with the new password.");
            let now = app.clock.now();
            visitor.session.update(|s| {
                if s.user_id.is_some() {
                    *s = s.reset_to_guest(now, None, RenewedFor::LoginRevoked);
                }
                s.held_link = None;
                s.flash = Some(Flash::new(FlashLevel::Success, text));
            });
            Ok(see_other("/login"))
        }
        Err(errors) => {
            // Held now, if it came in the address: the form is shown again
            // at `/password/reset`, without the token.
            let held = HeldLink::new(LinkPage::PasswordReset, token);
            visitor.session.update(|s| s.held_link = Some(held));
            let user = recovery::reset_link(app, token).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                ResetPage {
                    layout: visitor.layout(),
                    email: user.email,
                    errors,
                },
            )
        }
    }
}
