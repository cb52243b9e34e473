//! `/cart`: show, add, change, clear. Guests and users alike:
//! [`Visitor::cart`] hides where the cart lives.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    domain::cart::{MAX_LINES, MAX_QUANTITY},
    domain::ids::ProductId,
    domain::session::{Flash, FlashLevel},
    services::cart::{Cart, Changed, Done, Merged, Refusal},
    services::state::AppState,
    web::{
        extract::Visitor,
        form::{self, Form},
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

pub(crate) async fn show(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let cart = visitor.cart().load(&app).await?;
    render(CartPage {
        layout: visitor.layout(),
        logged_in: visitor.user.is_some(),
        cart,
    })
}

#[derive(Deserialize)]
pub(crate) struct AddForm {
    product_id: String,
    quantity: String,
}

pub(crate) async fn add(
    app: web::Data<AppState>,
    visitor: Visitor,
    form: Form<AddForm>,
) -> Result<HttpResponse> {
    let product_id = form
        .product_id
        .trim()
        .parse()
        .map(ProductId::new)
        .map_err(|_| AppError::Unprocessable("There is no such product in the shop.".into()))?;
    let quantity = form::quantity(&form.quantity, 1)?;
    let outcome = visitor.cart().add(&app, product_id, quantity).await?;
    back_to_cart(&visitor.session, outcome)
}

#[derive(Deserialize)]
pub(crate) struct SetForm {
    quantity: String,
}

pub(crate) async fn set(
    app: web::Data<AppState>,
    visitor: Visitor,
    product_id: web::Path<ProductId>,
    form: Form<SetForm>,
) -> Result<HttpResponse> {
    let quantity = form::quantity(&form.quantity, 0)?;
    let outcome = visitor.cart().set(&app, *product_id, quantity).await?;
    back_to_cart(&visitor.session, outcome)
}

pub(crate) async fn clear(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
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
        let came_of_it = match &outcome {
            Ok(changed) => match &changed.guest_edit {
                Some(edit) => edit.apply(&mut state.cart).map(|()| &changed.done),
                None => Ok(&changed.done),
            },
            Err(refusal) => Err(refusal.clone()),
        };
        state.flash = Some(match came_of_it {
            Ok(done) => Flash::new(FlashLevel::Success, say_done(done)),
            Err(refusal) => Flash::new(FlashLevel::Error, say_refusal(&refusal)),
        });
    });
    Ok(see_other("/cart"))
}

/// What a change did, in words.
fn say_done(done: &Done) -> String {
    match done {
        Done::Added { quantity, name } => format!("Added {quantity} × {name} to your cart."),
        Done::Updated => "Cart updated.".into(),
        Done::Removed => "Removed from your cart.".into(),
        Done::Emptied => "Your cart is empty.".into(),
    }
}

/// Why a change was refused, in words.
fn say_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::SoldOut { name } => format!("{name} is sold out."),
        Refusal::TooMany {
            name,
            limit,
            stock,
            have,
        } if *stock < MAX_QUANTITY => format!(
            "You can have at most {limit} of {name} in your cart (only {stock} in stock; you \
             have {have})."
        ),
        Refusal::TooMany { name, have, .. } => {
            format!("You can have at most {MAX_QUANTITY} of {name} in your cart (you have {have}).")
        }
        Refusal::CartFull => {
            format!("Your cart already holds {MAX_LINES} different products, the most it can hold.")
        }
        Refusal::NotForSale { name } => {
            format!("{name} cannot be bought right now; you can only remove it.")
        }
        Refusal::NotEnoughStock { name, stock } => format!("Only {stock} of {name} in stock."),
    }
}

/// What a sign-in brought from the guest's cart, in words ([`routes::auth`]).
///
/// [`routes::auth`]: crate::routes::auth
pub(super) fn say_merged(merged: &Merged) -> String {
    let Merged {
        moved,
        capped,
        left_out,
    } = merged;
    let mut text = format!(
        "We moved {moved} product{} from your cart into your account.",
        if *moved == 1 { "" } else { "s" }
    );
    if !capped.is_empty() {
        let mut names = capped
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if capped.len() > 3 {
            names.push_str(&format!(" and {} more", capped.len() - 3));
        }
        text.push_str(&format!(
            " Capped at {MAX_QUANTITY} or at the stock: {names}."
        ));
    }
    if *left_out > 0 {
        text.push_str(&format!(
            " {left_out} could not be moved (sold out, withdrawn, or no room for more than \
             {MAX_LINES} products)."
        ));
    }
    text
}
