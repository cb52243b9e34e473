//! `/profile`: who you are, your display name, your password, your
//! recent security events.

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::{login, throttle, CurrentUser},
    client::{describe_user_agent, ClientInfo},
    csrf::Form,
    errors::Result,
    page::{filters, render_status, see_other, Layout},
    repo::{
        events::{self, Event, EventKind},
        orders, sessions, users,
    },
    startup::AppState,
    validate::{self, FieldErrors},
};

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    email: String,
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
    status: StatusCode,
    display_name: String,
    errors: FieldErrors,
) -> Result<HttpResponse> {
    let me = &user.me.user;
    render_status(
        status,
        ProfilePage {
            layout: user.visitor.layout(),
            email: me.email.clone(),
            member_since: me.created_at,
            order_count: orders::count(&app.pool, me.id).await?,
            display_name,
            events: events::recent(&app.pool, me.id, 20).await?,
            errors,
        },
    )
}

pub async fn show(app: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse> {
    let name = user.me.user.display_name.clone();
    profile_page(&app, &user, StatusCode::OK, name, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    display_name: String,
}

pub async fn update_name(
    app: web::Data<AppState>,
    user: CurrentUser,
    form: Form<NameForm>,
) -> Result<HttpResponse> {
    match validate::display_name(&form.display_name) {
        Ok(name) => {
            users::set_display_name(&app.pool, user.id(), &name).await?;
            user.visitor.session.flash("success", "Display name saved.");
            Ok(see_other("/profile"))
        }
        Err(message) => {
            let errors = FieldErrors::from([("display_name", message)]);
            let typed = form.into_inner().display_name;
            profile_page(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, typed, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn change_password(
    app: web::Data<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    form: Form<PasswordForm>,
) -> Result<HttpResponse> {
    let me = &user.me.user;
    // A wrong current password is a failed login: same throttle.
    throttle::attempt(&app, &me.email).await?;
    let mut errors = FieldErrors::new();
    let stored = users::password_hash(&app.pool, me.id).await?;
    let current_ok = app
        .hasher
        .verify(form.current_password.clone(), stored)
        .await?;
    if current_ok {
        throttle::succeeded(&app, &me.email).await?;
    }
    if !current_ok {
        events::record(
            &app.pool,
            me.id,
            EventKind::PasswordChangeFailed,
            &client,
            app.clock.now(),
        )
        .await?;
        errors.insert(
            "current_password",
            "That is not your current password.".into(),
        );
    } else if let Err(e) = validate::password(&form.new_password, &[&me.email, &me.display_name]) {
        errors.insert("new_password", e);
    } else if form.new_password == form.current_password {
        errors.insert(
            "new_password",
            "Choose a password different from the current one.".into(),
        );
    } else if form.new_password != form.new_password_confirm {
        errors.insert(
            "new_password_confirm",
            "The two passwords do not match.".into(),
        );
    }
    if !errors.is_empty() {
        let name = me.display_name.clone();
        return profile_page(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, name, errors).await;
    }

    let hash = app.hasher.hash(form.new_password.clone()).await?;
    users::set_password_hash(&app.pool, me.id, &hash).await?;
    let now = app.clock.now();
    // Everyone else out; this browser gets a new cookie and session row.
    let others = sessions::revoke_others(&app.pool, me.id, &user.me.session_id, now).await?;
    login::renew(
        &app,
        &user.visitor.session,
        &client,
        me.id,
        &user.me.session_id,
    )
    .await?;
    events::record(&app.pool, me.id, EventKind::PasswordChanged, &client, now).await?;
    user.visitor.session.flash(
        "success",
        match others {
            0 => "Password changed. This browser has a new session.".to_string(),
            n => format!(
                "Password changed. This browser has a new session, and {n} other session{} {} signed out.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            ),
        },
    );
    Ok(see_other("/profile"))
}
