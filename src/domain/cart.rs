//! The cart's limits: one rule for guest and account carts
//! ([`services::cart::check_add`] applies them, [`web::form::quantity`] reads a
//! quantity within them, pages say them).
//!
//! [`services::cart::check_add`]: crate::services::cart::check_add
//! [`web::form::quantity`]: crate::web::form::quantity

/// The most one cart line may hold (less when the stock is lower).
pub const MAX_QUANTITY: i64 = 99;
/// Lines a cart may hold (the guest cart must fit in a cookie).
pub(crate) const MAX_LINES: i64 = 50;
