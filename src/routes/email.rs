//! `/verify-email/{token}`, `/verify-email/resend` and `/profile/email`:
//! proving the account's address, and changing it ([`services::auth::email`]).
//!
//! [`services::auth::email`]: crate::services::auth::email

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    domain::client::ClientInfo,
    domain::session::{FlashLevel, LinkPage},
    domain::validate,
    services::auth::{
        email::{self, EmailChange},
        links::LinkDigest,
    },
    services::state::AppState,
    web::{
        extract::{CurrentUser, Visitor},
        form::Form,
        page::{filters, render, see_other, Layout},
    },
};

use super::profile::profile_page;

#[derive(Template)]
#[template(path = "verify_email.html")]
struct ConfirmPage {
    layout: Layout,
    email: String,
    change: bool,
    /// The fingerprint of the link the button is for.
    link: String,
}

const PAGE: LinkPage = LinkPage::EmailAddress;

/// The link from the mail, `/verify-email/{token}`: it moves into the
/// session (its digest) and the browser goes on to `/verify-email`, so the
/// token leaves the address bar and rides in no `Referer`
/// ([`web::security`]). The link itself changes nothing (a GET never does
/// here; mail scanners open links): the page's button does. A dead link
/// says why here (410, 404).
///
/// [`web::security`]: crate::web::security
pub(crate) async fn open_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    token: web::Path<String>,
) -> Result<HttpResponse> {
    let link = LinkDigest::of_token(&token)?;
    email::email_link(&app, &link).await?;
    visitor.hold_link(PAGE, &link);
    Ok(see_other("/verify-email"))
}

/// The page with the one button, for the link the session holds.
pub(crate) async fn show(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let held = visitor.held_link(PAGE)?;
    let link = LinkDigest::held(&held);
    let found = email::email_link(&app, &link)
        .await
        .inspect_err(|e| visitor.let_go_if_dead(PAGE, &link, e))?;
    render(ConfirmPage {
        layout: visitor.layout(),
        email: found.email,
        change: found.change,
        link: held.fingerprint(),
    })
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    /// Which link the button was shown for.
    #[serde(default)]
    link: String,
}

/// The button: uses the link the session holds, the one it was shown for.
pub(crate) async fn confirm(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    form: Form<ConfirmForm>,
) -> Result<HttpResponse> {
    let held = visitor.held_link(PAGE)?;
    if form.link != held.fingerprint() {
        return Err(AppError::Conflict(
            "This button was for another link than the one opened last in this browser, so \
             nothing was changed. Open the link from the mail again."
                .into(),
        ));
    }
    use_link(&app, &visitor, &client, &LinkDigest::held(&held)).await
}

/// The HTTP contract's `POST /verify-email/{token}`: the link used
/// directly, by a client that never opened the page.
pub(crate) async fn confirm_by_link(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    token: web::Path<String>,
) -> Result<HttpResponse> {
    let link = LinkDigest::of_token(&token)?;
    use_link(&app, &visitor, &client, &link).await
}

async fn use_link(
    app: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    link: &LinkDigest,
) -> Result<HttpResponse> {
    let done = email::confirm_email(app, client, link)
        .await
        .inspect_err(|e| visitor.let_go_if_dead(PAGE, link, e))?;
    visitor.let_go_of_link(PAGE, link);
    let text = match done.change {
        true => format!(
            "Your address is now {}: sign in with it from now on.",
            done.email
        ),
        false => format!("Thank you: {} is confirmed.", done.email),
    };
    visitor.session.flash(FlashLevel::Success, text);
    let to = if visitor.user.is_some() {
        "/profile"
    } else {
        "/login"
    };
    Ok(see_other(to))
}

pub(crate) async fn resend(app: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse> {
    let text = match email::send_proof_again(&app, &user.login).await? {
        true => format!("A new link is on its way to {}.", user.account().email),
        false => "Your address is confirmed already.".to_string(),
    };
    user.session().flash(FlashLevel::Success, text);
    Ok(see_other(
        validate::local_path(&user.visitor.path).unwrap_or("/profile"),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    password: String,
}

/// The current password (which is also sudo mode's confirmation: the
/// form asks for it every time), then a link to the new address; nothing
/// changes until it is used.
pub(crate) async fn change(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    form: Form<ChangeForm>,
) -> Result<HttpResponse> {
    let change = EmailChange {
        new_email: &form.new_email,
        password: &form.password,
    };
    match email::request_change(&app, &client, &user.login, change).await? {
        Ok(new) => {
            let text = format!(
                "We sent a link to {new}. Your address changes when you use it; until then \
                 you sign in with {}.",
                user.account().email
            );
            let now = app.clock.now();
            user.session()
                .update(move |s| s.password_confirmed_at = Some(now));
            user.session().flash(FlashLevel::Success, text);
            Ok(see_other("/profile"))
        }
        Err(errors) => {
            let name = user.account().display_name.clone();
            profile_page(&app, &user, name, errors).await
        }
    }
}
