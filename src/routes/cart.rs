//! `/cart`: show, add, change, clear. Guests and users alike:
//! `Visitor::cart` hides where the cart lives.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    domain::session::{Flash, FlashLevel},
    services::cart::{self, Cart, Changed, Refusal},
    services::state::AppState,
    web::{
        extract::Visitor,
        form::Form,
        page::{filters, render, see_other, Layout},
        session::RequestSession,
    },
};

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    layout: Layout,
    cart: Cart,
    logged_in: bool,
}

pub async fn show(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let cart = visitor.cart().load(&app).await?;
    render(CartPage {
        layout: visitor.layout(),
        logged_in: visitor.user.is_some(),
        cart,
    })
}

#[derive(Deserialize)]
pub struct AddForm {
    product_id: String,
    quantity: String,
}

pub async fn add(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: Form<AddForm>,
) -> Result<HttpResponse> {
    let product_id: i64 = form
        .product_id
        .trim()
        .parse()
        .map_err(|_| AppError::Unprocessable("There is no such product in the shop.".into()))?;
    let quantity = cart::parse_quantity(&form.quantity, 1)?;
    let outcome = visitor.cart().add(&app, product_id, quantity).await?;
    back_to_cart(&visitor.session, outcome)
}

#[derive(Deserialize)]
pub struct SetForm {
    quantity: String,
}

pub async fn set(
    app: web::Data<AppState>,
    visitor: Visitor,
    product_id: web::Path<i64>,
    form: Form<SetForm>,
) -> Result<HttpResponse> {
    let quantity = cart::parse_quantity(&form.quantity, 0)?;
    let outcome = visitor.cart().set(&app, *product_id, quantity).await?;
    back_to_cart(&visitor.session, outcome)
}

pub async fn clear(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let cleared = visitor.cart().clear(&app).await?;
    back_to_cart(&visitor.session, Ok(cleared))
}

/// The cart page, saying what happened; a guest's session applies the
/// change to the cart it holds (again, should another tab have saved
/// first: then the rules are checked again, and the message says what
/// came of it).
fn back_to_cart(
    session: &RequestSession,
    outcome: std::result::Result<Changed, Refusal>,
) -> Result<HttpResponse> {
    session.update(move |state| {
        let said = match &outcome {
            Ok(changed) => match &changed.guest_edit {
                Some(edit) => edit.apply(&mut state.cart).map(|()| &changed.message),
                None => Ok(&changed.message),
            },
            Err(refusal) => Err(refusal.clone()),
        };
        state.flash = Some(match said {
            Ok(message) => Flash::new(FlashLevel::Success, message.clone()),
            Err(refusal) => Flash::new(FlashLevel::Error, refusal.0),
        });
    });
    Ok(see_other("/cart"))
}
