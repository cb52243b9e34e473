//! The cart, whoever owns it. A guest's cart is a list of lines (product
//! id, quantity: [`domain::session::GuestCartLine`]) in the session state; an account's cart is rows in
//! `cart_items`. [`CartOwner`] hides the difference: both obey the same
//! limits ([`check_add`]), and both are shown with names and prices read from
//! the database at the time of showing. A change to a guest's cart comes
//! back as a value ([`GuestEdit`]), which the session applies to the cart it
//! holds, and applies again to a newer one should another request of the
//! same guest save first ([`web::session`]): two tabs lose no line.
//! At login, [`merge_guest_cart`] moves the guest's lines into the account,
//! inside the login's transaction, once per guest state.
//!
//! [`domain::session::GuestCartLine`]: crate::domain::session::GuestCartLine
//! [`CartOwner`]: crate::services::cart::CartOwner
//! [`check_add`]: crate::services::cart::check_add
//! [`GuestEdit`]: crate::services::cart::GuestEdit
//! [`web::session`]: crate::web::session
//! [`merge_guest_cart`]: crate::services::cart::merge_guest_cart

use std::collections::HashMap;

use crate::{
    data::db::Conn,
    data::error::{AppError, Result},
    data::repo::{
        cart,
        logins::CartLine,
        products::{self, Product},
    },
    domain::cart::{MAX_LINES, MAX_QUANTITY},
    domain::ids::{ProductId, UserId},
    domain::session::{GuestCartLine, SessionState},
    services::state::AppState,
};

/// One line as the cart page shows it.
#[derive(Clone, Debug)]
pub struct Line {
    pub product_id: ProductId,
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
            Some(p) if !p.active => Some("This product is no longer sold.".into()),
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
    /// The most one line may hold ([`domain::cart::MAX_QUANTITY`]), for the
    /// quantity fields' `max`.
    ///
    /// [`domain::cart::MAX_QUANTITY`]: crate::domain::cart::MAX_QUANTITY
    pub fn max_quantity(&self) -> i64 {
        MAX_QUANTITY
    }

    /// The cart of these lines, in their order.
    pub fn of(lines: Vec<CartLine>) -> Cart {
        let line = |l: CartLine| Line {
            product_id: l.product_id,
            quantity: l.quantity,
            product: l.product,
        };
        Cart {
            lines: lines.into_iter().map(line).collect(),
        }
    }

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

/// A change the cart refuses, and why: the page says it
/// ([`routes::cart`]), and the cart stays as it was.
///
/// [`routes::cart`]: crate::routes::cart
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// None left.
    SoldOut { name: String },
    /// The line would hold more than [`limit`] (99, or the stock if lower).
    ///
    /// [`limit`]: Refusal::TooMany::limit
    TooMany {
        name: String,
        limit: i64,
        stock: i64,
        have: i64,
    },
    /// A new line, and the cart holds [`MAX_LINES`] already.
    CartFull,
    /// No longer sold: it can only be removed.
    NotForSale { name: String },
    /// Fewer in stock than asked for.
    NotEnoughStock { name: String, stock: i64 },
}

/// What a change of the cart did, for the page to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Done {
    Added { quantity: i64, name: String },
    Updated,
    Removed,
    Emptied,
}

/// A change the cart made.
#[derive(Debug)]
pub(crate) struct Changed {
    pub(crate) done: Done,
    /// A guest's change, for the session to apply to the cart it holds;
    /// `None` for an account's, which is already saved.
    pub(crate) guest_edit: Option<GuestEdit>,
}

/// A change to a guest's cart, as a value: what changes, not what the cart
/// becomes, so that it can be applied again to a cart another request
/// changed meanwhile, under the same rules ([`check_add`]).
#[derive(Clone, Debug)]
pub(crate) enum GuestEdit {
    /// `quantity` more of `product`, as it was read.
    Add {
        product: Product,
        quantity: i64,
    },
    /// The line of `product_id` set to `quantity` (0 removes it); the
    /// stock was checked when it was asked. A line gone meanwhile stays
    /// gone.
    Set {
        product_id: ProductId,
        quantity: i64,
    },
    Clear,
}

impl GuestEdit {
    /// Applies the change to `cart`, or refuses it (the cart unchanged).
    pub(crate) fn apply(&self, cart: &mut Vec<GuestCartLine>) -> std::result::Result<(), Refusal> {
        match self {
            GuestEdit::Add { product, quantity } => {
                let line = cart.iter().position(|l| l.product_id == product.id);
                let have = line.map_or(0, |i| i64::from(cart[i].quantity));
                check_add(product, have, cart.len() as i64, *quantity)?;
                let quantity = *quantity as u32;
                match line {
                    Some(i) => cart[i].quantity += quantity,
                    None => cart.push(GuestCartLine {
                        product_id: product.id,
                        quantity,
                    }),
                }
            }
            GuestEdit::Set {
                product_id,
                quantity,
            } => {
                let line = cart.iter().position(|l| l.product_id == *product_id);
                match (line, *quantity) {
                    (None, _) => {}
                    (Some(i), 0) => {
                        cart.remove(i);
                    }
                    (Some(i), quantity) => cart[i].quantity = quantity as u32,
                }
            }
            GuestEdit::Clear => cart.clear(),
        }
        Ok(())
    }
}

/// Whose cart: a guest's (from their session state) or an account's (whose
/// lines came with the visitor's session check, [`services::auth::check_session`]).
///
/// [`services::auth::check_session`]: crate::services::auth::check_session
pub(crate) enum CartOwner<'a> {
    Guest(Vec<GuestCartLine>),
    User { id: UserId, lines: &'a [CartLine] },
}

impl CartOwner<'_> {
    /// The cart with current product data: an account's is already read,
    /// a guest's takes one query.
    pub(crate) async fn load(&self, app: &AppState) -> Result<Cart> {
        let lines = match self {
            CartOwner::User { lines, .. } => lines.to_vec(),
            CartOwner::Guest(guest) => {
                let ids: Vec<ProductId> = guest.iter().map(|l| l.product_id).collect();
                let mut found = by_id(products::by_ids(&app.db.pool, &ids).await?);
                let line = |l: &GuestCartLine| CartLine {
                    product_id: l.product_id,
                    quantity: i64::from(l.quantity),
                    product: found.remove(&l.product_id),
                };
                guest.iter().map(line).collect()
            }
        };
        Ok(Cart::of(lines))
    }

    /// Adds `quantity` of a product. A product the shop does not sell is an
    /// error (422); a limit the cart would cross is a [`Refusal`], and the
    /// cart stays as it was.
    pub(crate) async fn add(
        &self,
        app: &AppState,
        product_id: ProductId,
        quantity: i64,
    ) -> Result<std::result::Result<Changed, Refusal>> {
        let product = match products::by_id(&app.db.pool, product_id).await? {
            Some(p) if p.active => p,
            _ => {
                let unknown = "There is no such product in the shop.";
                return Err(AppError::Unprocessable(unknown.into()));
            }
        };
        let added = Done::Added {
            quantity,
            name: product.name.clone(),
        };
        match self {
            CartOwner::User { id: user_id, .. } => {
                // Under the user's lock, so parallel adds cannot together
                // pass the line limit.
                let mut tx = app.db.begin_write().await?;
                app.db.lock_user(&mut tx, *user_id).await?;
                let have = cart::quantity(&mut *tx, *user_id, product_id).await?;
                let lines = cart::line_count(&mut *tx, *user_id).await?;
                if let Err(refusal) = check_add(&product, have, lines, quantity) {
                    return Ok(Err(refusal));
                }
                let limit = line_limit(&product);
                let now = app.clock.now();
                if !cart::add(&mut *tx, *user_id, product_id, quantity, limit, now).await? {
                    // Raised in another tab meanwhile (a set needs no lock).
                    return Ok(Err(too_many_of(&product, have)));
                }
                tx.commit().await?;
                Ok(Ok(Changed {
                    done: added,
                    guest_edit: None,
                }))
            }
            CartOwner::Guest(lines) => {
                let edit = GuestEdit::Add { product, quantity };
                if let Err(refusal) = edit.apply(&mut lines.clone()) {
                    return Ok(Err(refusal));
                }
                Ok(Ok(Changed {
                    done: added,
                    guest_edit: Some(edit),
                }))
            }
        }
    }

    /// Sets the quantity of a line already in the cart (404 otherwise); 0
    /// removes it. A quantity above the stock, or for a product no longer
    /// sold, is a [`Refusal`] (removing is always allowed). An account's
    /// check and change are one transaction (on SQLite, one writer at a
    /// time: nothing comes between them); where a checkout in another tab
    /// commits between the check and the change (PostgreSQL), the change
    /// finds no line and the answer is 404, as if it came after.
    pub(crate) async fn set(
        &self,
        app: &AppState,
        product_id: ProductId,
        quantity: i64,
    ) -> Result<std::result::Result<Changed, Refusal>> {
        let done = match quantity {
            0 => Done::Removed,
            _ => Done::Updated,
        };
        match self {
            CartOwner::User { id: user_id, .. } => {
                let mut tx = app.db.begin_write().await?;
                if cart::quantity(&mut *tx, *user_id, product_id).await? == 0 {
                    return Err(AppError::NotFound);
                }
                if quantity > 0 {
                    let product = products::by_id(&mut *tx, product_id).await?;
                    if let Some(refusal) = refuse_set(product, quantity) {
                        return Ok(Err(refusal));
                    }
                }
                let changed = match quantity {
                    0 => cart::remove(&mut *tx, *user_id, product_id).await?,
                    _ => cart::update_quantity(&mut *tx, *user_id, product_id, quantity).await?,
                };
                if !changed {
                    // Ordered meanwhile, where the database lets a
                    // checkout commit between the read and the change.
                    return Err(AppError::NotFound);
                }
                tx.commit().await?;
                Ok(Ok(Changed {
                    done,
                    guest_edit: None,
                }))
            }
            CartOwner::Guest(lines) => {
                if !lines.iter().any(|l| l.product_id == product_id) {
                    return Err(AppError::NotFound);
                }
                if quantity > 0 {
                    let product = products::by_id(&app.db.pool, product_id).await?;
                    if let Some(refusal) = refuse_set(product, quantity) {
                        return Ok(Err(refusal));
                    }
                }
                Ok(Ok(Changed {
                    done,
                    guest_edit: Some(GuestEdit::Set {
                        product_id,
                        quantity,
                    }),
                }))
            }
        }
    }

    pub(crate) async fn clear(&self, app: &AppState) -> Result<Changed> {
        let guest_edit = match self {
            CartOwner::User { id: user_id, .. } => {
                cart::clear(&app.db.pool, *user_id).await?;
                None
            }
            CartOwner::Guest(_) => Some(GuestEdit::Clear),
        };
        Ok(Changed {
            done: Done::Emptied,
            guest_edit,
        })
    }
}

/// The most one line may hold of `product`: 99, or the stock if lower.
fn line_limit(product: &Product) -> i64 {
    MAX_QUANTITY.min(product.stock)
}

/// Why a line cannot be set to `quantity` (above 0) of `product`, if it
/// cannot: the product is no longer sold, or there is not that much of it.
fn refuse_set(product: Option<Product>, quantity: i64) -> Option<Refusal> {
    match product {
        Some(p) if !p.available() => Some(Refusal::NotForSale { name: p.name }),
        Some(p) if quantity > p.stock => Some(Refusal::NotEnoughStock {
            name: p.name,
            stock: p.stock,
        }),
        _ => None,
    }
}

/// Whether `quantity` more of `product` fits in a line that has `have`, in
/// a cart of `lines` lines. The one rule for guest and account carts.
pub(crate) fn check_add(
    product: &Product,
    have: i64,
    lines: i64,
    quantity: i64,
) -> std::result::Result<(), Refusal> {
    if product.stock == 0 {
        Err(Refusal::SoldOut {
            name: product.name.clone(),
        })
    } else if have + quantity > line_limit(product) {
        Err(too_many_of(product, have))
    } else if have == 0 && lines >= MAX_LINES {
        Err(Refusal::CartFull)
    } else {
        Ok(())
    }
}

fn too_many_of(product: &Product, have: i64) -> Refusal {
    Refusal::TooMany {
        name: product.name.clone(),
        limit: line_limit(product),
        stock: product.stock,
        have,
    }
}

fn by_id(products: Vec<Product>) -> HashMap<ProductId, Product> {
    products.into_iter().map(|p| (p.id, p)).collect()
}

/// At login: adds the guest's lines to the account's cart, inside the
/// caller's transaction, which holds the account's lock
/// ([`data::db::Database::lock_user`]). Quantities of one product add up, capped at 99 and
/// at the stock; products that cannot be bought, or that do not fit in the
/// 50-line limit, are left out. Returns one short sentence for the user
/// (it travels in the session as a flash message, so it stays short).
///
/// What a sign-in brought from a guest's cart into the account, for the
/// page to say.
///
/// [`data::db::Database::lock_user`]: crate::data::db::Database::lock_user
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Merged {
    /// Lines moved in.
    pub(crate) moved: usize,
    /// Products whose quantity was capped (at 99 or at the stock).
    pub(crate) capped: Vec<String>,
    /// Lines left out: sold out, withdrawn, or no room for them.
    pub(crate) left_out: usize,
}

/// Each guest state is merged once, whatever copies of it exist (a copy of
/// the cookie taken before sign-in, a response that crossed the sign-in
/// and put the guest cookie back): what a guest state brought in is noted
/// (`guest_merges`), and a later sign-in with the same state adds only
/// what it holds beyond that.
pub(crate) async fn merge_guest_cart(
    conn: &mut Conn,
    user_id: UserId,
    guest: &SessionState,
    now: i64,
) -> Result<Option<Merged>> {
    // Noted even for an empty cart: the note also says that a sign-in
    // replaced this guest state (`services::auth::login::replaced_by_sign_in`).
    let digest = guest.id.digest();
    cart::claim_merge_note(&mut *conn, &digest, now).await?;
    if guest.cart.is_empty() {
        return Ok(None);
    }
    let note = cart::merged_before(&mut *conn, &digest).await?;
    let earlier: Vec<GuestCartLine> = match note.as_deref().map(serde_json::from_str) {
        None => Vec::new(),
        Some(Ok(lines)) => lines,
        // Only the shop writes these notes; one it cannot read counts as
        // the whole cart merged before, so nothing is merged twice.
        Some(Err(err)) => {
            tracing::warn!(error = %err, "an unreadable note of a guest merge");
            guest.cart.clone()
        }
    };
    let merged = |product: ProductId| {
        earlier
            .iter()
            .find(|l| l.product_id == product)
            .map_or(0, |l| l.quantity)
    };
    let new: Vec<GuestCartLine> = guest
        .cart
        .iter()
        .filter(|l| l.quantity > merged(l.product_id))
        .map(|l| GuestCartLine {
            quantity: l.quantity - merged(l.product_id),
            ..*l
        })
        .collect();
    let mut noted = earlier.clone();
    for line in &guest.cart {
        match noted.iter_mut().find(|l| l.product_id == line.product_id) {
            Some(kept) => kept.quantity = kept.quantity.max(line.quantity),
            None => noted.push(*line),
        }
    }
    cart::note_merged(&mut *conn, &digest, &serde_json::to_string(&noted)?, now).await?;
    if new.is_empty() {
        // All of it came in before.
        return Ok(None);
    }
    let ids: Vec<ProductId> = new.iter().map(|l| l.product_id).collect();
    let found = by_id(products::by_ids(&mut *conn, &ids).await?);
    let (mut moved, mut capped, mut left_out) = (0, Vec::new(), 0);
    let mut lines = cart::line_count(&mut *conn, user_id).await?;
    for &GuestCartLine {
        product_id,
        quantity,
    } in &new
    {
        let Some(product) = found.get(&product_id).filter(|p| p.available()) else {
            left_out += 1;
            continue;
        };
        let have = cart::quantity(&mut *conn, user_id, product_id).await?;
        if have == 0 && lines >= MAX_LINES {
            left_out += 1;
            continue;
        }
        let cap = line_limit(product);
        let quantity = i64::from(quantity);
        cart::add_capped(&mut *conn, user_id, product_id, quantity, cap, now).await?;
        if have == 0 {
            lines += 1;
        }
        if have + quantity > cap.max(have) {
            capped.push(product.name.clone());
        }
        moved += 1;
    }
    Ok(Some(Merged {
        moved,
        capped,
        left_out,
    }))
}
