//! `/profile/sessions`: where am I logged in, and signing out elsewhere.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::{
    auth::CurrentUser,
    client::{describe_user_agent, ClientInfo},
    csrf::{Form, NoFields},
    errors::{AppError, Result},
    page::{filters, render, see_other, Layout},
    repo::{
        events::{self, EventKind},
        sessions::{self, SessionListing},
    },
    startup::AppState,
};

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<SessionListing>,
    current_id: String,
}

impl SessionsPage {
    fn browser(&self, s: &SessionListing) -> String {
        describe_user_agent(&s.user_agent)
    }

    fn is_current(&self, s: &SessionListing) -> bool {
        s.id == self.current_id
    }
}

pub async fn index(app: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse> {
    let idle = app.settings.session_idle_timeout.as_secs() as i64;
    let sessions = sessions::live_for_user(&app.pool, user.id(), app.clock.now(), idle).await?;
    render(SessionsPage {
        layout: user.visitor.layout(),
        sessions,
        current_id: user.me.session_id.clone(),
    })
}

pub async fn revoke(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    handle: web::Path<String>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let now = app.clock.now();
    // Handles are base64url; anything else is not one of them.
    let well_formed = handle
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed || !sessions::revoke_by_handle(&app.pool, user.id(), &handle, now).await? {
        return Err(AppError::NotFound);
    }
    events::record(
        &app.pool,
        user.id(),
        EventKind::SessionRevoked,
        &client,
        now,
    )
    .await?;
    user.visitor
        .session
        .flash("success", "That session is signed out.");
    Ok(see_other("/profile/sessions"))
}

pub async fn revoke_others(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let now = app.clock.now();
    let count = sessions::revoke_others(&app.pool, user.id(), &user.me.session_id, now).await?;
    if count > 0 {
        events::record(
            &app.pool,
            user.id(),
            EventKind::SessionRevoked,
            &client,
            now,
        )
        .await?;
    }
    user.visitor.session.flash(
        "success",
        format!(
            "Signed out of {count} other session{}.",
            if count == 1 { "" } else { "s" }
        ),
    );
    Ok(see_other("/profile/sessions"))
}
