//! `/cart`: show, add, change, clear. Guests and users alike; the `cart`
//! module hides where the cart lives.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    auth::Visitor,
    cart::{self, Cart},
    csrf::{Form, NoFields},
    errors::{AppError, Result},
    page::{filters, render, see_other, Layout},
    startup::AppState,
};

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    layout: Layout,
    cart: Cart,
    logged_in: bool,
}

pub async fn show(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let cart = cart::load(&app, &visitor).await?;
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
    match cart::add(&app, &visitor, product_id, quantity).await? {
        Ok(message) => visitor.session.flash("success", message),
        Err(refusal) => visitor.session.flash("error", refusal.0),
    }
    Ok(see_other("/cart"))
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
    match cart::set(&app, &visitor, *product_id, quantity).await? {
        Ok(()) if quantity == 0 => visitor.session.flash("success", "Removed from your cart."),
        Ok(()) => visitor.session.flash("success", "Cart updated."),
        Err(refusal) => visitor.session.flash("error", refusal.0),
    }
    Ok(see_other("/cart"))
}

pub async fn clear(
    app: web::Data<AppState>,
    visitor: Visitor,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    cart::clear(&app, &visitor).await?;
    visitor.session.flash("success", "Your cart is empty.");
    Ok(see_other("/cart"))
}
