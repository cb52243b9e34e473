//! The cart, whoever owns it. A guest's cart is a list of (product id,
//! quantity) in the session cookie; a user's cart is rows in `cart_items`.
//! Both obey the same limits, and both are shown with names and prices read
//! from the database at the time of showing.

use std::collections::HashMap;

use crate::{
    auth::Visitor,
    db,
    errors::{AppError, Result},
    repo::{
        cart::{self, MAX_LINES, MAX_QUANTITY},
        products::{self, Product},
    },
    session::GuestCartLine,
    startup::AppState,
};

/// One line as the cart page shows it.
#[derive(Clone, Debug)]
pub struct Line {
    pub product_id: i64,
    pub quantity: i64,
    /// `None` when the product no longer exists.
    pub product: Option<Product>,
}

impl Line {
    pub fn name(&self) -> &str {
        self.product.as_ref().map_or("Unknown product", |p| &p.name)
    }

    /// Why this line cannot be bought as it is, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match &self.product {
            None => Some("This product is no longer sold.".into()),
            Some(p) if p.active != 1 => Some("This product is no longer sold.".into()),
            Some(p) if p.stock == 0 => Some("Sold out.".into()),
            Some(p) if p.stock < self.quantity => Some(format!("Only {} left.", p.stock)),
            Some(_) => None,
        }
    }

    pub fn unit_price_cents(&self) -> i64 {
        self.product.as_ref().map_or(0, |p| p.price_cents)
    }

    pub fn total_cents(&self) -> i64 {
        self.unit_price_cents() * self.quantity
    }
}

#[derive(Clone, Debug, Default)]
pub struct Cart {
    pub lines: Vec<Line>,
}

impl Cart {
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.problem().is_none())
            .map(Line::total_cents)
            .sum()
    }

    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn has_problems(&self) -> bool {
        self.lines.iter().any(|l| l.problem().is_some())
    }
}

/// A change the cart refuses; shown to the user as a flash message.
#[derive(Debug)]
pub struct Refusal(pub String);

/// The visitor's cart with current product data (two queries at most).
pub async fn load(app: &AppState, visitor: &Visitor) -> Result<Cart> {
    let pairs: Vec<(i64, i64)> = match &visitor.user {
        Some(me) => cart::lines(&app.pool, me.user.id).await?,
        None => guest_lines(visitor)
            .into_iter()
            .map(|(id, q)| (id, i64::from(q)))
            .collect(),
    };
    let ids: Vec<i64> = pairs.iter().map(|(id, _)| *id).collect();
    let mut found: HashMap<i64, Product> = products::by_ids(&app.pool, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let lines = pairs
        .into_iter()
        .map(|(product_id, quantity)| Line {
            product_id,
            quantity,
            product: found.remove(&product_id),
        })
        .collect();
    Ok(Cart { lines })
}

fn guest_lines(visitor: &Visitor) -> Vec<GuestCartLine> {
    visitor.session.state().cart
}

/// A product that can go into a cart, or 422.
async fn sellable(app: &AppState, product_id: i64) -> Result<Product> {
    match products::by_id(&app.pool, product_id).await? {
        Some(p) if p.active == 1 => Ok(p),
        _ => Err(AppError::Unprocessable(
            "There is no such product in the shop.".into(),
        )),
    }
}

/// Checks a quantity typed into a form: a whole number in `min..=99`.
pub fn parse_quantity(raw: &str, min: i64) -> Result<i64> {
    match raw.trim().parse::<i64>() {
        Ok(q) if (min..=MAX_QUANTITY).contains(&q) => Ok(q),
        _ => Err(AppError::Unprocessable(format!(
            "The quantity must be a whole number from {min} to {MAX_QUANTITY}."
        ))),
    }
}

/// Adds `quantity` of a product. Bad input is an error (422); a limit the
/// cart would cross is a `Refusal`, and the cart stays as it was.
pub async fn add(
    app: &AppState,
    visitor: &Visitor,
    product_id: i64,
    quantity: i64,
) -> Result<std::result::Result<String, Refusal>> {
    let product = sellable(app, product_id).await?;
    if product.stock == 0 {
        return Ok(Err(Refusal(format!("{} is sold out.", product.name))));
    }
    let limit = MAX_QUANTITY.min(product.stock);
    let refusal = |have: i64| {
        Refusal(if product.stock < MAX_QUANTITY {
            format!(
                "You can have at most {limit} of {} in your cart (only {} in stock; you have {have}).",
                product.name, product.stock
            )
        } else {
            format!(
                "You can have at most {MAX_QUANTITY} of {} in your cart (you have {have}).",
                product.name
            )
        })
    };
    let added = format!("Added {quantity} × {} to your cart.", product.name);
    match &visitor.user {
        Some(me) => {
            let user_id = me.user.id;
            let have = cart::quantity(&app.pool, user_id, product_id).await?;
            if have == 0 && cart::line_count(&app.pool, user_id).await? >= MAX_LINES as i64 {
                return Ok(Err(too_many_lines()));
            }
            let now = app.clock.now();
            if cart::add(&app.pool, user_id, product_id, quantity, limit, now).await? {
                Ok(Ok(added))
            } else {
                Ok(Err(refusal(have)))
            }
        }
        None => Ok(visitor.session.update(|state| {
            let lines = state.cart.len();
            match state.cart.iter_mut().find(|(id, _)| *id == product_id) {
                Some((_, have)) if i64::from(*have) + quantity > limit => {
                    Err(refusal(i64::from(*have)))
                }
                Some((_, have)) => {
                    *have += quantity as u32;
                    Ok(added)
                }
                None if quantity > limit => Err(refusal(0)),
                None if lines >= MAX_LINES => Err(too_many_lines()),
                None => {
                    state.cart.push((product_id, quantity as u32));
                    Ok(added)
                }
            }
        })),
    }
}

fn too_many_lines() -> Refusal {
    Refusal(format!(
        "Your cart already holds {MAX_LINES} different products, the most it can hold."
    ))
}

/// Sets a line's quantity; 0 removes it. Only lines already in the cart.
/// Sets the quantity of a line already in the cart (404 otherwise); 0
/// removes it. A quantity above the stock, or for a product no longer
/// sold, is a `Refusal` (removing is always allowed).
pub async fn set(
    app: &AppState,
    visitor: &Visitor,
    product_id: i64,
    quantity: i64,
) -> Result<std::result::Result<(), Refusal>> {
    let in_cart = match &visitor.user {
        Some(me) => cart::quantity(&app.pool, me.user.id, product_id).await? > 0,
        None => guest_lines(visitor).iter().any(|(id, _)| *id == product_id),
    };
    if !in_cart {
        return Err(AppError::NotFound);
    }
    if quantity > 0 {
        match products::by_id(&app.pool, product_id).await? {
            Some(p) if !p.available() => {
                return Ok(Err(Refusal(format!(
                    "{} cannot be bought right now; you can only remove it.",
                    p.name
                ))))
            }
            Some(p) if quantity > p.stock => {
                return Ok(Err(Refusal(format!(
                    "Only {} of {} in stock.",
                    p.stock, p.name
                ))))
            }
            _ => {}
        }
    }
    let changed = match &visitor.user {
        Some(me) if quantity == 0 => cart::remove(&app.pool, me.user.id, product_id).await?,
        Some(me) => cart::update_quantity(&app.pool, me.user.id, product_id, quantity).await?,
        None => visitor.session.update(|state| {
            let Some(index) = state.cart.iter().position(|(id, _)| *id == product_id) else {
                return false;
            };
            if quantity == 0 {
                state.cart.remove(index);
            } else {
                state.cart[index].1 = quantity as u32;
            }
            true
        }),
    };
    if !changed {
        // Gone between the check and the change (ordered in another tab).
        return Err(AppError::NotFound);
    }
    Ok(Ok(()))
}

pub async fn clear(app: &AppState, visitor: &Visitor) -> Result<()> {
    match &visitor.user {
        Some(me) => cart::clear(&app.pool, me.user.id).await?,
        None => visitor.session.update(|state| state.cart.clear()),
    }
    Ok(())
}

/// At login: adds the guest's lines to the account's cart in one
/// transaction. Quantities of one product add up, capped at 99 and at the
/// stock; products that cannot be bought, or that do not fit in the
/// 50-line limit, are left out. Returns one short sentence for the user
/// (it travels in the cookie as a flash message, so it stays short).
pub async fn merge_guest_cart(
    app: &AppState,
    user_id: i64,
    guest: &[GuestCartLine],
) -> Result<Option<String>> {
    if guest.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = guest.iter().map(|(id, _)| *id).collect();
    let found: HashMap<i64, Product> = products::by_ids(&app.pool, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let now = app.clock.now();
    let (mut moved, mut capped, mut left_out) = (0, Vec::new(), 0);
    let mut tx = db::begin_write(&app.pool).await?;
    let mut lines = cart::line_count(&mut *tx, user_id).await?;
    for (product_id, quantity) in guest {
        let Some(product) = found.get(product_id).filter(|p| p.available()) else {
            left_out += 1;
            continue;
        };
        let have = cart::quantity(&mut *tx, user_id, *product_id).await?;
        if have == 0 && lines >= MAX_LINES as i64 {
            left_out += 1;
            continue;
        }
        let cap = MAX_QUANTITY.min(product.stock);
        cart::add_capped(
            &mut tx,
            user_id,
            *product_id,
            i64::from(*quantity),
            cap,
            now,
        )
        .await?;
        if have == 0 {
            lines += 1;
        }
        if have + i64::from(*quantity) > cap.max(have) {
            capped.push(product.name.as_str());
        }
        moved += 1;
    }
    tx.commit().await?;
    Ok(Some(merge_summary(moved, &capped, left_out)))
}

/// "We moved 3 products from your cart into your account; Maple Rolling
/// Pin was capped at the stock or at 99. 1 could not be moved."
fn merge_summary(moved: usize, capped: &[&str], left_out: usize) -> String {
    let mut text = format!(
        "We moved {moved} product{} from your cart into your account.",
        if moved == 1 { "" } else { "s" }
    );
    if !capped.is_empty() {
        let mut names = capped
            .iter()
            .take(3)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if capped.len() > 3 {
            names.push_str(&format!(" and {} more", capped.len() - 3));
        }
        text.push_str(&format!(" Capped at 99 or at the stock: {names}."));
    }
    if left_out > 0 {
        text.push_str(&format!(
            " {left_out} could not be moved (sold out, withdrawn, or no room for more than {MAX_LINES} products)."
        ));
    }
    text
}
