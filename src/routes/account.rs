//! `POST /account/delete`: the account and everything attached to it goes.
//! Orders are kept for the shop's books but lose their link to the person
//! (`orders.user_id` becomes NULL).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::account,
    client::ClientInfo,
    error::Result,
    state::AppState,
    web::{
        extract::CurrentUser,
        form::Form,
        page::{clear_site_data, filters, render, see_other, Layout},
    },
};

use super::profile::profile_page;

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
    client: ClientInfo,
    form: Form<DeleteForm>,
) -> Result<HttpResponse> {
    match account::delete_account(&app, &client, &user.login, &form.password).await? {
        Ok(()) => {
            user.session().end();
            Ok(clear_site_data(see_other("/goodbye")))
        }
        Err(errors) => {
            let name = user.account().display_name.clone();
            profile_page(&app, &user, name, errors).await
        }
    }
}

/// Where a deleted account lands.
pub async fn goodbye() -> Result<HttpResponse> {
    render(GoodbyePage {
        layout: Layout::bare(),
    })
}
