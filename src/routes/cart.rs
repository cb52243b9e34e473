//! `/cart`: show, add, change, clear. Guests and users alike:
//! `Visitor::cart` hides where the cart lives.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    cart::{self, Cart, Refusal},
    error::{AppError, Result},
    session::{AppSession, FlashLevel},
    state::AppState,
    web::{
        extract::Visitor,
        form::Form,
        page::{filters, render, see_other, Layout},
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
    let done = if quantity == 0 {
        "Removed from your cart."
    } else {
        "Cart updated."
    };
    back_to_cart(&visitor.session, outcome.map(|()| done.to_string()))
}

pub async fn clear(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    visitor.cart().clear(&app).await?;
    back_to_cart(&visitor.session, Ok("Your cart is empty.".into()))
}

/// The cart page, saying what happened.
fn back_to_cart(
    session: &AppSession,
    outcome: std::result::Result<String, Refusal>,
) -> Result<HttpResponse> {
    match outcome {
        Ok(done) => session.flash(FlashLevel::Success, done),
        Err(refusal) => session.flash(FlashLevel::Error, refusal.0),
    }
    Ok(see_other("/cart"))
}
