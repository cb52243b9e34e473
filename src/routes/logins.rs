//! `/profile/sessions`: where am I logged in, and signing out elsewhere.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::{
    data::error::{AppError, Result},
    data::repo::logins::{self, LoginListing},
    domain::client::{describe_user_agent, ClientInfo},
    domain::session::FlashLevel,
    services::auth::account,
    services::state::AppState,
    web::{
        extract::{CurrentUser, RecentPassword},
        page::{filters, render, see_other, Layout},
    },
};

#[derive(Template)]
#[template(path = "logins.html")]
struct LoginsPage {
    layout: Layout,
    logins: Vec<LoginListing>,
    /// This browser's login, by its public handle.
    current_handle: String,
}

impl LoginsPage {
    fn browser(&self, s: &LoginListing) -> String {
        describe_user_agent(&s.user_agent)
    }

    fn is_current(&self, s: &LoginListing) -> bool {
        s.handle == self.current_handle
    }
}

pub(crate) async fn index(app: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse> {
    let idle = app.settings.session_idle_timeout.get();
    let logins = logins::live_for_user(&app.db.pool, user.id(), app.clock.now(), idle).await?;
    render(LoginsPage {
        layout: user.visitor.layout(),
        logins,
        current_handle: user.login.handle.clone(),
    })
}

pub(crate) async fn revoke(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
    handle: web::Path<String>,
) -> Result<HttpResponse> {
    // Handles are base64url; anything else is not one of them.
    let well_formed = handle
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed || !account::revoke_session(&app, &client, &user.login, &handle).await? {
        return Err(AppError::NotFound);
    }
    user.session()
        .flash(FlashLevel::Success, "That session is signed out.");
    Ok(see_other("/profile/sessions"))
}

pub(crate) async fn revoke_others(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
) -> Result<HttpResponse> {
    let count = account::revoke_others(&app, &client, &user.login).await?;
    let plural = if count == 1 { "" } else { "s" };
    let text = format!("Signed out of {count} other session{plural}.");
    user.session().flash(FlashLevel::Success, text);
    Ok(see_other("/profile/sessions"))
}
