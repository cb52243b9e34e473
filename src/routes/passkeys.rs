//! `/passkeys/...`: the JSON requests of the passkey ceremonies, which the
//! shop's one script (`static/js/passkeys.js`) sends with the CSRF token in
//! an `X-CSRF-Token` header; and `/profile/passkeys/{id}/delete`, a form.
//! Each ceremony's first request puts its challenge into the session; its
//! second takes it out, whatever the answer.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::{
    data::error::{AppError, Result},
    domain::client::ClientInfo,
    domain::present,
    domain::session::{FlashLevel, PasskeyCeremony},
    domain::validate,
    services::auth::passkeys,
    services::state::AppState,
    web::{
        extract::{CurrentUser, RecentPassword, Visitor},
        page::see_other,
        session::RequestSession,
    },
};

/// Takes the ceremony out of the session: a challenge is answered once.
fn take_ceremony(session: &RequestSession) -> Option<PasskeyCeremony> {
    let ceremony = session.read(|s| s.passkey_ceremony.clone());
    session.update(|s| s.passkey_ceremony = None);
    ceremony
}

/// Adding a passkey, first half (sudo mode): the options for
/// `navigator.credentials.create()`.
pub(crate) async fn add_options(
    app: web::Data<AppState>,
    user: RecentPassword,
) -> Result<HttpResponse> {
    let (options, ceremony) = passkeys::begin_adding(&app, &user.login).await?;
    user.session()
        .update(move |s| s.passkey_ceremony = Some(ceremony.clone()));
    Ok(HttpResponse::Ok().json(options))
}

#[derive(Deserialize)]
pub(crate) struct NewPasskey {
    name: String,
    credential: RegisterPublicKeyCredential,
}

/// Adding a passkey, second half: the authenticator's answer, and the name.
pub(crate) async fn add(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
    body: web::Json<NewPasskey>,
) -> Result<HttpResponse> {
    let ceremony = take_ceremony(user.session());
    let body = body.into_inner();
    passkeys::finish_adding(
        &app,
        &client,
        &user.login,
        ceremony,
        &body.credential,
        &body.name,
    )
    .await?;
    user.session()
        .flash(FlashLevel::Success, "Your passkey is added.");
    Ok(HttpResponse::Ok().json(Done {
        redirect: "/profile/security".into(),
    }))
}

/// What a finished ceremony tells the script: where to go now.
#[derive(Serialize)]
struct Done {
    redirect: String,
}

/// Signing in with a passkey, first half: the options for
/// `navigator.credentials.get()`.
pub(crate) async fn sign_in_options(
    app: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse> {
    let (options, ceremony) = passkeys::begin_sign_in(&app)?;
    visitor
        .session
        .update(move |s| s.passkey_ceremony = Some(ceremony.clone()));
    Ok(HttpResponse::Ok().json(options))
}

/// Signing in with a passkey, second half: the authenticator's answer.
/// Signed in, the browser goes where the sign-in page would have sent it.
pub(crate) async fn sign_in(
    app: web::Data<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    body: web::Json<PublicKeyCredential>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    let ceremony = take_ceremony(&visitor.session);
    let guest = visitor.session.state();
    let done = passkeys::finish_sign_in(&app, &guest, &client, ceremony, &body).await?;
    let text = super::auth::with_note("You are signed in with your passkey.", done.merged);
    visitor.session.renew(done.state);
    visitor.session.flash(FlashLevel::Success, text);
    Ok(HttpResponse::Ok().json(Done {
        redirect: local_next(&query).to_string(),
    }))
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Sudo mode with a passkey, first half: a challenge for the account's
/// passkeys (`/confirm-password` offers it beside the password).
pub(crate) async fn confirm_options(
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse> {
    let (options, ceremony) = passkeys::begin_confirming(&app, &user.login).await?;
    user.session()
        .update(move |s| s.passkey_ceremony = Some(ceremony.clone()));
    Ok(HttpResponse::Ok().json(options))
}

/// Sudo mode with a passkey, second half: confirmed, the window starts
/// again and the browser goes back where it was.
pub(crate) async fn confirm(
    app: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PublicKeyCredential>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    let ceremony = take_ceremony(user.session());
    let at = passkeys::finish_confirming(&app, &user.login, ceremony, &body).await?;
    user.session()
        .update(move |s| s.password_confirmed_at = Some(at));
    let minutes = present::period(app.settings.reauth_window.get());
    let text =
        format!("Confirmed with your passkey: for the next {minutes}, it will not be asked again.");
    user.session().flash(FlashLevel::Success, text);
    Ok(HttpResponse::Ok().json(Done {
        redirect: local_next(&query).to_string(),
    }))
}

/// Where a finished ceremony goes: `next`, when it is a local path.
fn local_next(query: &NextQuery) -> &str {
    query
        .next
        .as_deref()
        .and_then(validate::local_path)
        .unwrap_or("/")
}

/// Removes one of the account's passkeys (sudo mode).
pub(crate) async fn remove(
    app: web::Data<AppState>,
    user: RecentPassword,
    client: ClientInfo,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    if !passkeys::remove(&app, &client, &user.login, &id).await? {
        return Err(AppError::NotFound);
    }
    user.session()
        .flash(FlashLevel::Success, "That passkey is removed.");
    Ok(see_other("/profile/security"))
}
