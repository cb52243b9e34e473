//! `GET /`: the shop window.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::Result,
    data::repo::products::{self, Product},
    services::state::AppState,
    web::{
        extract::Visitor,
        page::{filters, render, Layout},
    },
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    featured: Vec<Product>,
    signed_out: bool,
}

#[derive(Deserialize)]
pub(crate) struct HomeQuery {
    /// Set by the logout redirect: the session is gone, so no flash.
    signed_out: Option<String>,
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse> {
    let featured = products::featured(&app.db.pool).await?;
    render(HomePage {
        layout: visitor.layout(),
        featured,
        signed_out: query.signed_out.is_some() && visitor.user.is_none(),
    })
}
