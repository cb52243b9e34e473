//! `POST /account/delete`: the account and everything attached to it goes.
//! Orders are kept for the shop's books but lose their link to the person
//! (`orders.user_id` becomes NULL).

use actix_web::{http::StatusCode, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::{throttle, CurrentUser},
    csrf::Form,
    errors::Result,
    page::{clear_site_data, render, see_other, Layout},
    repo::users,
    routes::profile::profile_page,
    startup::AppState,
    validate::FieldErrors,
};

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "goodbye.html")]
struct GoodbyePage {
    layout: Layout,
}

pub async fn delete(
    app: web::Data<AppState>,
    user: CurrentUser,
    form: Form<DeleteForm>,
) -> Result<HttpResponse> {
    let me = &user.me.user;
    // A password guess like any other: same throttle.
    throttle::attempt(&app, &me.email).await?;
    let stored = users::password_hash(&app.pool, me.id).await?;
    if !app.hasher.verify(form.password.clone(), stored).await? {
        let errors = FieldErrors::from([(
            "delete_password",
            "That is not your password; the account was not deleted.".to_string(),
        )]);
        let name = me.display_name.clone();
        return profile_page(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, name, errors).await;
    }
    throttle::succeeded(&app, &me.email).await?;
    users::delete(&app.pool, me.id).await?;
    user.visitor.session.purge();
    Ok(clear_site_data(see_other("/goodbye")))
}

/// Where a deleted account lands.
pub async fn goodbye() -> Result<HttpResponse> {
    render(GoodbyePage {
        layout: Layout::bare(),
    })
}
