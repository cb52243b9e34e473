//! Checkout: the user's cart becomes an order, all or nothing, in one
//! transaction.
//!
//! 1. The cart is claimed ([`data::repo::cart::claim`], a `DELETE ... RETURNING`),
//!    so a second checkout of the same cart, or a line added meanwhile,
//!    cannot be ordered twice or lost: the other request waits for this one
//!    and finds what is left.
//! 2. Stock is taken line by line with `stock = stock - q WHERE stock >= q`
//!    ([`data::repo::products::take_stock`]), so two buyers of the last unit cannot
//!    both succeed.
//! 3. Names and prices are copied into the order as they are now.
//!
//! 4. The confirmation mail is queued in the same transaction: there is a
//!    mail exactly when there is an order.
//!
//! If any line cannot be served, the rollback puts the cart back as it was.
//!
//! [`data::repo::cart::claim`]: crate::data::repo::cart::claim
//! [`data::repo::products::take_stock`]: crate::data::repo::products::take_stock

use crate::{
    data::repo::{
        cart,
        orders::{self, OrderItem},
        products,
        users::User,
    },
    domain::ids::OrderId,
    domain::present,
    services::mail::{greeting, Letter, PastTheLimit},
    services::state::AppState,
};

/// Why a cart line could not be bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shortfall {
    pub(crate) product_name: String,
    pub(crate) wanted: i64,
    /// What is left (0 when sold out or withdrawn).
    pub(crate) available: i64,
    /// The product is no longer sold at all.
    pub(crate) withdrawn: bool,
}

#[derive(Debug)]
pub(crate) enum Refused {
    EmptyCart,
    /// Nothing was bought: these lines cannot be served.
    Shortfalls(Vec<Shortfall>),
}

/// Places the order of `user`'s cart; returns its id.
pub(crate) async fn place_order(
    app: &AppState,
    user: &User,
) -> crate::data::error::Result<Result<OrderId, Refused>> {
    let user_id = user.id;
    let now = app.clock.now();
    let mut tx = app.db.begin_write().await?;
    let mut lines = cart::claim(&mut *tx, user_id).await?;
    if lines.is_empty() {
        return Ok(Err(Refused::EmptyCart));
    }
    // Lock products in one global order, so two checkouts cannot deadlock.
    lines.sort_unstable();

    let mut items = Vec::with_capacity(lines.len());
    let mut shortfalls = Vec::new();
    for (product_id, quantity) in lines {
        match products::take_stock(&mut *tx, product_id, quantity).await? {
            Some((product_name, unit_price_cents)) => items.push(OrderItem {
                product_id,
                product_name,
                unit_price_cents,
                quantity,
            }),
            None => {
                // What is there now (after any competing commit).
                let product = products::by_id(&mut *tx, product_id).await?;
                shortfalls.push(Shortfall {
                    product_name: product
                        .as_ref()
                        .map_or("A product", |p| &p.name)
                        .to_string(),
                    wanted: quantity,
                    available: product.as_ref().filter(|p| p.active).map_or(0, |p| p.stock),
                    withdrawn: product.as_ref().is_none_or(|p| !p.active),
                });
            }
        }
    }
    if !shortfalls.is_empty() {
        tx.rollback().await?;
        return Ok(Err(Refused::Shortfalls(shortfalls)));
    }

    let order_id = OrderId::random();
    let total: i64 = items.iter().map(OrderItem::line_total_cents).sum();
    orders::insert(&mut *tx, order_id, user_id, total, now).await?;
    for item in &items {
        orders::insert_item(&mut *tx, order_id, item).await?;
    }
    let lines = items
        .iter()
        .map(|i| {
            let total = present::money(i.line_total_cents());
            format!("{} × {}: {total}", i.quantity, i.product_name)
        })
        .collect();
    let link = app.mail.link(&format!("/orders/{order_id}"));
    let name = greeting(user);
    let letter = Letter::order_confirmed(name, order_id, lines, total, link);
    // The order stands without its mail; an address nobody has proved
    // (registered by whoever ordered) gets it only within its limit.
    let past = match name {
        Some(_) => PastTheLimit::Send,
        None => PastTheLimit::LeaveOut,
    };
    app.mail
        .queue(&mut tx, &user.email, &letter, past, now)
        .await?;
    tx.commit().await?;
    app.mail.wake_worker();
    Ok(Ok(order_id))
}
