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
    session::{FlashLevel, RenewedFor},
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
    token: String,
    email: String,
    errors: FieldErrors,
}

pub async fn reset_form(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse> {
    let user = recovery::reset_link(&app, &token).await?;
    render(ResetPage {
        layout: visitor.layout(),
        token: token.into_inner(),
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

pub async fn reset(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    token: web::Path<String>,
    form: Form<ResetForm>,
) -> Result<HttpResponse> {
    let new = NewPassword {
        password: &form.password,
        confirm: &form.password_confirm,
    };
    match recovery::reset_password(&app, &client, &token, new).await? {
        Ok(email) => {
            // Every session of the account ended. A login in this browser
            // ends too, whoever it was (a guest keeps their cart).
            let text = format!(
                "Your password is changed, and every browser that was signed in to {email} \
                 is signed out. Sign in with the new password."
            );
            if visitor.user.is_some() {
                let now = app.clock.now();
                let guest =
                    visitor
                        .session
                        .state()
                        .reset_to_guest(now, None, RenewedFor::LoginRevoked);
                visitor.session.set(guest);
            }
            visitor.session.flash(FlashLevel::Success, text);
            Ok(see_other("/login"))
        }
        Err(errors) => {
            let user = recovery::reset_link(&app, &token).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                ResetPage {
                    layout: visitor.layout(),
                    token: token.into_inner(),
                    email: user.email,
                    errors,
                },
            )
        }
    }
}
