//! The integration suite: one binary (one link step), one module per
//! feature. Every test starts the real app on its own port and database.

mod helpers;

mod auth;
mod cart;
mod checkout;
mod profile;
mod security;
mod sessions;
