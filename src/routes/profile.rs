//! `/profile`: who you are, your display name, your password, your recent
//! security events. (Deleting the account is [`account`].)
//!
//! [`account`]: super::account

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    data::repo::{
        events::{self, Event},
        orders,
    },
    domain::client::{describe_user_agent, ClientInfo},
    domain::session::FlashLevel,
    domain::validate::FieldErrors,
    services::auth::account::{self, PasswordChange},
    services::profile,
    services::state::AppState,
    web::{
        extract::CurrentUser,
        form::Form,
        page::{filters, render_status, see_other, Layout},
    },
};

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    email: String,
    /// When the address was proven, if it was.
    email_verified_at: Option<i64>,
    member_since: i64,
    order_count: i64,
    display_name: String,
    events: Vec<Event>,
    errors: FieldErrors,
}

impl ProfilePage {
    fn browser(&self, event: &Event) -> String {
        describe_user_agent(&event.user_agent)
    }
}

/// The profile page, with the display-name field showing `display_name`
/// (the typed value when it is rejected) and any `errors`.
pub(super) async fn profile_page(
    app: &AppState,
    user: &CurrentUser,
    display_name: String,
    errors: FieldErrors,
) -> Result<HttpResponse> {
    let me = user.account();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        ProfilePage {
            layout: user.visitor.layout(),
            email: me.email.clone(),
            email_verified_at: me.email_verified_at,
            member_since: me.created_at,
            order_count: orders::count(&app.db.pool, me.id).await?,
            display_name,
            events: events::recent(&app.db.pool, me.id, 20).await?,
            errors,
        },
    )
}

pub(crate) async fn show(app: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse> {
    let name = user.account().display_name.clone();
    profile_page(&app, &user, name, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub(crate) struct NameForm {
    #[serde(default)]
    display_name: String,
}

pub(crate) async fn update_name(
    app: web::Data<AppState>,
    user: CurrentUser,
    form: Form<NameForm>,
) -> Result<HttpResponse> {
    match profile::rename(&app, user.id(), &form.display_name).await? {
        Ok(()) => {
            user.session()
                .flash(FlashLevel::Success, "Display name saved.");
            Ok(see_other("/profile"))
        }
        Err(message) => {
            let errors = FieldErrors::from([("display_name", message)]);
            profile_page(&app, &user, form.into_inner().display_name, errors).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub(crate) async fn change_password(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    form: Form<PasswordForm>,
) -> Result<HttpResponse> {
    let change = PasswordChange {
        current: &form.current_password,
        new: &form.new_password,
        confirm: &form.new_password_confirm,
    };
    let current = user.session().state();
    match account::change_password(&app, &current, &client, &user.login, change).await? {
        Ok(done) => {
            user.session().renew(done.state);
            user.session()
                .flash(FlashLevel::Success, changed(done.others));
            Ok(see_other("/profile"))
        }
        Err(errors) => {
            let name = user.account().display_name.clone();
            profile_page(&app, &user, name, errors).await
        }
    }
}

/// "Password changed. This browser has a new session, and 2 other
/// sessions were signed out."
fn changed(others: u64) -> String {
    match others {
        0 => "Password changed. This browser has a new session.".to_string(),
        1 => "Password changed. This browser has a new session, and 1 other session was \
              signed out."
            .to_string(),
        n => format!(
            "Password changed. This browser has a new session, and {n} other sessions were \
             signed out."
        ),
    }
}
