//! `/password/forgot` and `/password/reset/{token}`: a forgotten password,
//! replaced through a mailed link ([`services::auth::recovery`]).
//!
//! [`services::auth::recovery`]: crate::services::auth::recovery

use std::time::Duration;

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    domain::client::ClientInfo,
    domain::present,
    domain::session::{FlashLevel, HeldLink, LinkPage, RenewedFor},
    domain::validate::FieldErrors,
    services::auth::{
        links::LinkDigest,
        recovery::{self, NewPassword},
    },
    services::state::AppState,
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
    present::period(app.settings.password_reset_timeout.get())
}

pub(crate) async fn forgot_form(
    app: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse> {
    render(ForgotPage {
        layout: visitor.layout(),
        email: String::new(),
        valid_for: valid_for(&app),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub(crate) async fn forgot(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<ForgotForm>,
) -> Result<HttpResponse> {
    let started = tokio::time::Instant::now();
    let asked = recovery::request_reset(&app, &client, &form.email).await;
    // Every answer but a mistake in the form takes the same time: "sent",
    // and a refusal too (an address past its mail limit is refused after
    // more work when it has an account).
    if !matches!(asked, Ok(Err(_))) {
        if started.elapsed() > ANSWER_TAKES {
            // Then the time could tell an account's address from another:
            // the padding should be longer.
            tracing::warn!(
                ms = started.elapsed().as_millis() as u64,
                "a forgot-password answer took longer than its padding"
            );
        }
        tokio::time::sleep_until(started + ANSWER_TAKES).await;
    }
    let email = form.into_inner().email.trim().to_string();
    match asked? {
        Ok(()) => render(SentPage {
            layout: visitor.layout(),
            email,
            valid_for: valid_for(&app),
        }),
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
    /// The fingerprint of the link the form is for ([`HeldLink::fingerprint`]).
    link: String,
    errors: FieldErrors,
}

const PAGE: LinkPage = LinkPage::PasswordReset;

/// The link from the mail, `/password/reset/{token}`: it moves into the
/// session (its digest), and the browser goes on to `/password/reset`, so
/// the token leaves the address bar and no page that has it in its address
/// loads anything ([`web::security`] sends no `Referer` from here). A dead
/// link says why here (410, 404).
///
/// [`web::security`]: crate::web::security
pub(crate) async fn open_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse> {
    let link = LinkDigest::of_token(&token)?;
    recovery::reset_link(&app, &link).await?;
    visitor.hold_link(PAGE, &link);
    Ok(see_other("/password/reset"))
}

/// The form for the new password, working from the link the session holds.
pub(crate) async fn reset_form(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let held = visitor.held_link(PAGE)?;
    let link = LinkDigest::held(&held);
    let user = recovery::reset_link(&app, &link)
        .await
        .inspect_err(|e| visitor.let_go_if_dead(PAGE, &link, e))?;
    render(ResetPage {
        layout: visitor.layout(),
        email: user.email,
        link: held.fingerprint(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    /// Which link the form was shown for.
    #[serde(default)]
    link: String,
}

/// The form, sent from `/password/reset`: the link is the one the session
/// holds, and the one the form was shown for (another link opened in this
/// browser since would change another account than the page said).
pub(crate) async fn reset(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<ResetForm>,
) -> Result<HttpResponse> {
    let held = visitor.held_link(PAGE)?;
    if form.link != held.fingerprint() {
        return Err(AppError::Conflict(
            "This form was for another link than the one opened last in this browser, so \
             nothing was changed. Open the link from the mail again."
                .into(),
        ));
    }
    choose_password(&app, &visitor, &client, &LinkDigest::held(&held), &form).await
}

/// The same form posted to the link itself (the HTTP contract's
/// `POST /password/reset/{token}`, for a client that never opened the
/// page).
pub(crate) async fn reset_by_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    token: web::Path<String>,
    form: Form<ResetForm>,
) -> Result<HttpResponse> {
    let link = LinkDigest::of_token(&token)?;
    choose_password(&app, &visitor, &client, &link, &form).await
}

async fn choose_password(
    app: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    link: &LinkDigest,
    form: &ResetForm,
) -> Result<HttpResponse> {
    let new = NewPassword {
        password: &form.password,
        confirm: &form.password_confirm,
    };
    let signed_in_here = visitor.user.as_ref();
    let done = recovery::reset_password(app, client, link, new, signed_in_here)
        .await
        .inspect_err(|e| visitor.let_go_if_dead(PAGE, link, e))?;
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
            if visitor.user.is_some() {
                let now = app.clock.now();
                let state = visitor.session.state();
                let guest = state.reset_to_guest(now, None, RenewedFor::LoginRevoked);
                visitor.session.renew(guest);
            } else {
                visitor.let_go_of_link(PAGE, link);
            }
            visitor.session.flash(FlashLevel::Success, text);
            Ok(see_other("/login"))
        }
        Err(errors) => {
            // Held now, if it came in the address: the form is shown again
            // for `/password/reset`, without the token.
            visitor.hold_link(PAGE, link);
            let user = recovery::reset_link(app, link).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                ResetPage {
                    layout: visitor.layout(),
                    email: user.email,
                    link: HeldLink::new(PAGE, link.as_str()).fingerprint(),
                    errors,
                },
            )
        }
    }
}
