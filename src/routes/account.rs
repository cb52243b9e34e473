//! `POST /account/delete`: the account and everything attached to it goes.
//! Orders are kept for the shop's books but lose their link to the person
//! (`orders.user_id` becomes NULL). And `/confirm-password`, the page sudo
//! mode sends a customer to before such a change.

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    domain::client::ClientInfo,
    domain::present,
    domain::session::FlashLevel,
    domain::validate,
    services::auth::{account, passkeys},
    services::state::AppState,
    web::{
        extract::CurrentUser,
        form::Form,
        page::{clear_site_data, filters, render, render_status, see_other, Erase, Layout},
    },
};

use super::profile::profile_page;

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "goodbye.html")]
struct GoodbyePage {
    layout: Layout,
}

pub(crate) async fn delete(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    form: Form<DeleteForm>,
) -> Result<HttpResponse> {
    // The form asks for the password every time: that is sudo mode's
    // confirmation, typed this very moment.
    match account::delete_account(&app, &client, &user.login, &form.password).await? {
        Ok(()) => {
            user.session().end();
            Ok(clear_site_data(
                see_other("/goodbye"),
                Erase::CookiesAndStorage,
            ))
        }
        Err(errors) => {
            let name = user.account().display_name.clone();
            profile_page(&app, &user, name, errors).await
        }
    }
}

/// Where a deleted account lands.
pub(crate) async fn goodbye() -> Result<HttpResponse> {
    render(GoodbyePage {
        layout: Layout::bare(),
    })
}

#[derive(Template)]
#[template(path = "confirm_password.html")]
struct ConfirmPage {
    layout: Layout,
    email: String,
    next: String,
    /// `REAUTH_WINDOW`, in words.
    window: String,
    /// Whether the account has a passkey, which may confirm instead.
    has_passkey: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

async fn confirm_page(
    app: &AppState,
    user: &CurrentUser,
    next: &str,
    error: Option<String>,
) -> Result<ConfirmPage> {
    Ok(ConfirmPage {
        layout: user.visitor.layout(),
        email: user.account().email.clone(),
        next: next.to_string(),
        window: present::period(app.settings.reauth_window.get()),
        has_passkey: passkeys::available(app) && passkeys::any(app, user.id()).await?,
        error,
    })
}

pub(crate) async fn confirm_form(
    app: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    let next = query
        .next
        .as_deref()
        .and_then(validate::local_path)
        .unwrap_or("/profile");
    render(confirm_page(&app, &user, next, None).await?)
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn confirm(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    form: Form<ConfirmForm>,
) -> Result<HttpResponse> {
    let next = validate::local_path(&form.next).unwrap_or("/profile");
    match account::confirm_password(&app, &client, &user.login, &form.password).await? {
        Some(at) => {
            user.session()
                .update(move |s| s.password_confirmed_at = Some(at));
            let minutes = present::period(app.settings.reauth_window.get());
            let text =
                format!("Password confirmed: for the next {minutes}, it will not be asked again.");
            user.session().flash(FlashLevel::Success, text);
            Ok(see_other(next))
        }
        None => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            confirm_page(&app, &user, next, Some("That is not your password.".into())).await?,
        ),
    }
}
