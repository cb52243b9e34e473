//! `POST /checkout`, `/orders`, `/orders/{id}`.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::{
    data::error::{AppError, Result},
    data::repo::orders::{self, OrderItem, OrderSummary},
    domain::ids::OrderId,
    domain::session::FlashLevel,
    services::checkout::{self, Refused, Shortfall},
    services::state::AppState,
    web::{
        extract::{CurrentUser, Visitor},
        page::{filters, render, see_other, Layout, Pager},
    },
};

pub(crate) async fn checkout(app: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse> {
    let session = &visitor.session;
    let Some(me) = &visitor.user else {
        let why = "Please sign in to check out. Your cart will be waiting.";
        session.flash(FlashLevel::Info, why);
        return Ok(see_other("/login?next=/cart"));
    };
    match checkout::place_order(&app, &me.user).await? {
        Ok(order_id) => {
            session.flash(FlashLevel::Success, "Thank you! Your order is placed.");
            Ok(see_other(&format!("/orders/{order_id}")))
        }
        Err(Refused::EmptyCart) => {
            session.flash(FlashLevel::Error, "Your cart is empty.");
            Ok(see_other("/cart"))
        }
        Err(Refused::Shortfalls(lines)) => {
            // One bounded sentence (the flash travels in the cookie); the
            // cart page marks every line that cannot be served.
            session.flash(FlashLevel::Error, shortfall_summary(&lines));
            Ok(see_other("/cart"))
        }
    }
}

/// "Nothing was ordered: Maple Rolling Pin: you asked for 3, only 1 left."
/// Names at most three lines; the cart page shows the rest.
fn shortfall_summary(lines: &[Shortfall]) -> String {
    let mut why: Vec<String> = lines
        .iter()
        .take(3)
        .map(|s| match (s.withdrawn, s.available) {
            (true, _) => format!("{} is no longer sold.", s.product_name),
            (false, 0) => format!("{} is sold out.", s.product_name),
            (false, n) => format!(
                "{}: you asked for {}, only {n} left.",
                s.product_name, s.wanted
            ),
        })
        .collect();
    if lines.len() > 3 {
        why.push(format!("And {} more lines (see below).", lines.len() - 3));
    }
    format!("Nothing was ordered. {}", why.join(" "))
}

/// `?page=N`; a query that does not read as this gets the shop's 400 page
/// before the handler runs, as the catalog's does.
#[derive(Deserialize)]
pub(crate) struct OrdersQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    layout: Layout,
    orders: Vec<OrderSummary>,
    pager: Pager,
}

/// The user's orders, newest first, a page at a time (the page size of the
/// preferences): a shop's oldest customers have thousands.
pub(crate) async fn index(
    app: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse> {
    let size = user.visitor.preferences().page_size().get();
    let number = Pager::asked(query.page)?;
    let (orders, total) = orders::page(&app.db.pool, user.id(), size, number).await?;
    render(OrdersPage {
        layout: user.visitor.layout(),
        orders,
        pager: Pager::new("/orders".into(), number, size, total)?,
    })
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    layout: Layout,
    order: OrderSummary,
    items: Vec<OrderItem>,
}

pub(crate) async fn show(
    app: web::Data<AppState>,
    user: CurrentUser,
    order_id: web::Path<OrderId>,
) -> Result<HttpResponse> {
    let (order, items) = orders::find(&app.db.pool, user.id(), *order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(OrderPage {
        layout: user.visitor.layout(),
        order,
        items,
    })
}
